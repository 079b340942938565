"""A small reader for R's serialization format (XDR, versions 2 and 3) and for
R's lazy-load databases (.rdx index + .rdb values), enough to read the
character vectors of an R data package without R.

Why: Debian ships Jane Austen's novels only as r-cran-janeaustenr, whose
data/Rdata.rdb holds them as R objects. R is not installed on the build
machine, so we parse the format ourselves (standard library only).
"""
import bz2
import gzip
import lzma
import struct
import zlib

# SEXP types used by the serializer (R's serialize.c / Rinternals.h).
NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP = 0, 1, 2, 3, 4
LANGSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, CPLXSXP = 6, 9, 10, 13, 14, 15
STRSXP, DOTSXP, VECSXP, EXPRSXP, RAWSXP = 16, 17, 19, 20, 24
REFSXP, NILVALUE, GLOBALENV, UNBOUNDVALUE, MISSINGARG = 255, 254, 253, 252, 251
BASENAMESPACE, NAMESPACESXP, PACKAGESXP, PERSISTSXP = 250, 249, 248, 247
EMPTYENV, BASEENV, ATTRLANGSXP, ATTRLISTSXP, ALTREP = 242, 241, 240, 239, 238

NA_INT = -2147483648


class RError(ValueError):
    pass


class RObj:
    """An R value: .type (SEXP type), .value (Python value), .attrs (dict)."""

    def __init__(self, type_, value, attrs=None):
        self.type = type_
        self.value = value
        self.attrs = attrs or {}

    def __repr__(self):
        return "RObj(%d, %r)" % (self.type, self.value)


def decompress(data):
    """Undoes the compression R uses for .rds/.rda files (magic bytes)."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    return data


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0
        self.refs = []

    def take(self, n):
        if n < 0 or self.p + n > len(self.d):
            raise RError("truncated R serialization at %d (+%d)" % (self.p, n))
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def length(self):
        n = self.int()
        if n == -1:  # long vector: two more ints
            hi, lo = self.int(), self.int()
            n = (hi << 32) | (lo & 0xFFFFFFFF)
        if n < 0:
            raise RError("negative length %d" % n)
        return n

    def header(self):
        fmt = self.take(2)
        if fmt != b"X\n":
            raise RError("only the XDR format is supported, got %r" % fmt)
        version = self.int()
        self.int()  # writer's R version
        self.int()  # minimal reader version
        if version == 3:
            self.take(self.int())  # native encoding name
        elif version != 2:
            raise RError("unsupported serialization version %d" % version)

    def attrs_of(self, has_attr):
        if not has_attr:
            return {}
        return pairlist_to_dict(self.item())

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        has_attr = bool(flags & 0x200)
        has_tag = bool(flags & 0x400)
        if t == NILVALUE:
            return None
        if t in (GLOBALENV, EMPTYENV, BASEENV, BASENAMESPACE, UNBOUNDVALUE,
                 MISSINGARG):
            return RObj(t, None)
        if t == REFSXP:
            idx = flags >> 8
            if idx == 0:
                idx = self.int()
            if not 1 <= idx <= len(self.refs):
                raise RError("bad reference %d" % idx)
            return self.refs[idx - 1]
        if t == SYMSXP:
            name = self.item()
            sym = RObj(SYMSXP, name.value if name else None)
            self.refs.append(sym)
            return sym
        if t in (PERSISTSXP, NAMESPACESXP, PACKAGESXP):
            if self.int() != 0:
                raise RError("persistent name with flags")
            names = [self.item() for _ in range(self.int())]
            o = RObj(t, [n.value if n else None for n in names])
            self.refs.append(o)
            return o
        if t == ENVSXP:
            o = RObj(ENVSXP, None)
            self.refs.append(o)
            self.int()  # locked
            enclos, frame, hashtab, attrib = (self.item(), self.item(),
                                              self.item(), self.item())
            o.value = (enclos, frame, hashtab)
            o.attrs = attrib
            return o
        if t in (LISTSXP, LANGSXP, CLOSXP, DOTSXP, ATTRLANGSXP, ATTRLISTSXP):
            attrs = self.attrs_of(has_attr)
            tag = self.item() if has_tag else None
            car = self.item()
            cdr = self.item()
            tagname = tag.value if isinstance(tag, RObj) else None
            return RObj(LISTSXP if t in (LISTSXP, ATTRLISTSXP) else t,
                        (tagname, car, cdr), attrs)
        if t == CHARSXP:
            n = self.int()
            if n == -1:
                return RObj(CHARSXP, None)
            return RObj(CHARSXP, self.take(n).decode("utf-8", "replace"))
        if t in (LGLSXP, INTSXP):
            n = self.length()
            v = list(struct.unpack(">%di" % n, self.take(4 * n)))
            return RObj(t, v, self.attrs_of(has_attr))
        if t == REALSXP:
            n = self.length()
            v = list(struct.unpack(">%dd" % n, self.take(8 * n)))
            return RObj(t, v, self.attrs_of(has_attr))
        if t == CPLXSXP:
            n = self.length()
            v = list(struct.unpack(">%dd" % (2 * n), self.take(16 * n)))
            return RObj(t, v, self.attrs_of(has_attr))
        if t == RAWSXP:
            n = self.length()
            return RObj(t, self.take(n), self.attrs_of(has_attr))
        if t == STRSXP:
            n = self.length()
            v = [self.item().value for _ in range(n)]
            return RObj(t, v, self.attrs_of(has_attr))
        if t in (VECSXP, EXPRSXP):
            n = self.length()
            v = [self.item() for _ in range(n)]
            return RObj(t, v, self.attrs_of(has_attr))
        if t == ALTREP:
            info, state, attr = self.item(), self.item(), self.item()
            return self.altrep(info, state, attr)
        raise RError("unsupported SEXP type %d at %d" % (t, self.p - 4))

    def altrep(self, info, state, attr):
        # Only the classes plain data need: compact sequences and wrappers.
        cls = info.value[1].value if info and info.type == LISTSXP else None
        if cls == "compact_intseq":
            n, start, step = (int(x) for x in state.value)
            return RObj(INTSXP, [start + i * step for i in range(n)])
        if cls and cls.startswith("wrap_"):
            return state.value[1]
        if cls == "deferred_string":
            return state.value[1]
        raise RError("unsupported ALTREP class %r" % cls)


def unserialize(data):
    r = Reader(decompress(data))
    r.header()
    return r.item()


def pairlist_to_dict(obj):
    out = {}
    while isinstance(obj, RObj) and obj.type == LISTSXP:
        tag, car, cdr = obj.value
        out[tag] = car
        obj = cdr
    return out


def named_list(obj):
    names = obj.attrs.get("names")
    if obj.type == LISTSXP:
        return pairlist_to_dict(obj)
    if obj.type != VECSXP or names is None:
        raise RError("not a named list")
    return dict(zip(names.value, obj.value))


def lazyload_db(rdx_path, rdb_path):
    """Returns {name: RObj} for every variable of an R lazy-load database."""
    with open(rdx_path, "rb") as f:
        index = named_list(unserialize(f.read()))
    with open(rdb_path, "rb") as f:
        rdb = f.read()
    out = {}
    for name, pos in named_list(index["variables"]).items():
        off, size = (int(x) for x in pos.value)
        if off < 0 or size < 5 or off + size > len(rdb):
            raise RError("entry %s out of the .rdb" % name)
        out[name] = unserialize(lazy_blob(rdb[off:off + size]))
    return out


def lazy_blob(blob):
    """A .rdb entry: 4-byte big-endian raw length, then zlib data, or a
    type byte ('Z' zlib, '2' bzip2, 'X' xz, '0' none) and the data."""
    want = struct.unpack(">I", blob[:4])[0]
    body = blob[4:]
    kind = body[:1]
    if kind == b"Z":
        raw = zlib.decompress(body[1:])
    elif kind == b"2":
        raw = bz2.decompress(body[1:])
    elif kind == b"X":
        raw = lzma.decompress(body[1:])
    elif kind == b"0":
        raw = body[1:]
    else:
        raw = zlib.decompress(body)
    if len(raw) != want:
        raise RError("entry length %d, header says %d" % (len(raw), want))
    return raw
