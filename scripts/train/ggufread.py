"""A minimal GGUF reader (standard library only): metadata and tensor
infos/data of F32/F16 tensors, for the training tools' checks."""
import struct

_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
GGML_SIZES = {0: (1, 4), 1: (1, 2), 8: (32, 34), 12: (256, 144), 6: (32, 22), 14: (256, 210), 13: (256, 176)}


class GGUF:
    def __init__(self):
        self.version = 0
        self.kv = {}
        self.tensors = {}   # name -> (dims, type, absolute offset, nbytes)
        self.data_offset = 0


def read(path):
    with open(path, "rb") as f:
        buf = f.read()
    g = GGUF()
    p = 0

    def take(fmt):
        nonlocal p
        v = struct.unpack_from(fmt, buf, p)
        p += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal p
        n = take("<Q")
        s = buf[p:p + n]
        p += n
        return s

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(_SCALAR[t])

    if buf[:4] != b"GGUF":
        raise ValueError("not a GGUF file")
    p = 4
    g.version, nt, nkv = take("<I"), take("<Q"), take("<Q")
    for _ in range(nkv):
        k = string().decode()
        v = value(take("<I"))
        g.kv[k] = v.decode() if isinstance(v, bytes) and k != "tokenizer.ggml.tokens" else v
    infos = []
    for _ in range(nt):
        name = string().decode()
        nd = take("<I")
        dims = [take("<Q") for _ in range(nd)]
        infos.append((name, dims, take("<I"), take("<Q")))
    align = g.kv.get("general.alignment", 32)
    g.data_offset = (p + align - 1) // align * align
    for name, dims, t, off in infos:
        n = 1
        for d in dims:
            n *= d
        blk, size = GGML_SIZES.get(t, (1, 0))
        g.tensors[name] = (dims, t, g.data_offset + off, n // blk * size)
    g.buf = buf
    return g


def tensor_f32(g, name):
    """An F32 or F16 tensor as a flat list-like (array of floats)."""
    import array
    dims, t, off, nbytes = g.tensors[name]
    raw = g.buf[off:off + nbytes]
    if t == 0:
        a = array.array("f")
        a.frombytes(raw)
        return a
    if t == 1:
        return list(struct.unpack("<%de" % (nbytes // 2), raw))
    raise ValueError(f"{name}: type {t} is not F32/F16")
