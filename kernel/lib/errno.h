/* The one list of error codes used everywhere in EMBODIOS.
 * Functions return 0 (or a count) on success and a negative code from this
 * list on failure. error_name() / error_text() turn a code into words. */
#ifndef EMBODIOS_LIB_ERRNO_H
#define EMBODIOS_LIB_ERRNO_H

/* 1 is "not the expected format": the spec's `Failed to load model (error -1)`
 * is what a disk without a GGUF file gives. */
#define EBADMAGIC     1   /* data is not in the expected format (bad magic) */
#define ENOENT        2   /* no such object (device, key, tensor) */
#define EIO           5   /* device reported an I/O error or broke protocol */
#define E2BIG         7   /* argument list / request too long */
#define ENOMEM       12   /* out of memory */
#define EFAULT       14   /* bad pointer */
#define EBUSY        16   /* resource busy */
#define EEXIST       17   /* already exists (duplicate) */
#define ENODEV       19   /* no such device */
#define EINVAL       22   /* invalid argument */
#define ENOSPC       28   /* no space / table full */
#define EROFS        30   /* device is read-only */
#define ERANGE       34   /* value or offset out of range */
#define EOVERFLOW    75   /* arithmetic overflow */
#define ENOTSUP      95   /* operation not supported */
#define ETIMEDOUT   110   /* device did not answer in time */
#define ECANCELED   125   /* operation cancelled by the user */

/* Model-file (GGUF / tokenizer) rejections: one code per check. */
#define EGGUF_VERSION    200 /* unsupported GGUF version */
#define EGGUF_TRUNCATED  201 /* file ends inside a structure */
#define EGGUF_TOOBIG     202 /* a count or length exceeds sane limits */
#define EGGUF_TYPE       203 /* unknown metadata value type */
#define EGGUF_NESTING    204 /* arrays nested too deeply */
#define EGGUF_DUPKEY     205 /* duplicate metadata key */
#define EGGUF_DUPTENSOR  206 /* duplicate tensor name */
#define EGGUF_ALIGN      207 /* general.alignment invalid */
#define EGGUF_NDIMS      208 /* tensor has 0 or more than 4 dimensions */
#define EGGUF_DIM        209 /* a tensor dimension is zero or too large */
#define EGGUF_GGMLTYPE   210 /* unknown ggml tensor type */
#define EGGUF_OFFSET     211 /* tensor data misaligned */
#define EGGUF_OVERLAP    212 /* tensor data overlap */
#define EGGUF_BOUNDS     213 /* tensor data beyond end of file */
#define EGGUF_STRING     214 /* malformed string (length or content) */
#define EGGUF_KEYTYPE    215 /* a known key has the wrong value type */
#define ETOK_UNSUPPORTED 230 /* tokenizer model not supported */
#define ETOK_VOCAB       231 /* vocabulary missing or inconsistent */
/* Model-shape rejections (model/llama.c): nothing runs on such a file. */
#define EMODEL_ARCH      240 /* general.architecture not supported */
#define EMODEL_SHAPE     241 /* hyperparameters or tensor shapes inconsistent */
#define EMODEL_WTYPE     242 /* weight type not supported for inference */
#define EGGUF_EMPTYKEY   220 /* a metadata key of zero bytes */
#define EGGUF_EMPTY      221 /* no key-values and no tensors */
#define ETOK_COUNT       235 /* scores or token types not one per token */
#define ETOK_NOPIECE     236 /* a byte has no piece and there is no unknown token */
#define ETOK_TEXT        232 /* text holds a code point above U+10FFFF */

/* Short symbolic name, e.g. "EIO"; "E?" for an unknown code. Accepts the
 * code with either sign. */
const char *error_name(int code);
/* One-line description, e.g. "I/O error". */
const char *error_text(int code);

#endif
