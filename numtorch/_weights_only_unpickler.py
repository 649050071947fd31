"""The restricted unpickler behind ``numtorch.load(..., weights_only=True)``.

A pickle is a small program for a stack machine; the standard unpickler runs it with the power to
import any module and call any function the file names (``os.system`` included). This one runs
the same opcodes, but:

- a global (``GLOBAL`` / ``STACK_GLOBAL``) is looked up in a fixed table of names (the tensor
  and storage rebuild functions, storage types, dtypes, ``torch.Size``, ``torch.device``,
  ``collections.OrderedDict``, a few builtin containers) or among the globals the user allowed
  with ``add_safe_globals`` / ``safe_globals``. Anything else raises ``pickle.UnpicklingError``
  naming the global, before anything is called; nothing is ever imported;
- ``REDUCE`` and ``NEWOBJ`` call only values that came from that table or allow-list;
- ``BUILD`` (set an object's state) works on ``OrderedDict`` and on allowed classes only;
  ``APPEND``/``SETITEM``/``ADDITEMS`` only on plain lists, dicts and sets;
- persistent ids are handed to the loader's ``persistent_load`` (which accepts storages only);
- the opcodes that reach other machinery (``INST``, ``OBJ``, the copyreg extension registry,
  out-of-band buffers) are refused.

This is PyTorch's ``weights_only=True`` contract (the default of ``torch.load`` since 2.6).
Modules ``sys``, ``os``, ``posix``, ``nt`` and ``subprocess`` stay refused even when allowed.

It stays one file (about 570 lines) on purpose: the whole opcode loop and its allow-list have to
be read together to check that nothing reaches an import or a call.
"""

import _compat_pickle
import codecs
import contextlib
import io
import pickle
import struct
from collections import Counter, OrderedDict

__all__ = ["Unpickler", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "user_allowed_globals", "canonical_name", "BLOCKED_MODULES"]

BLOCKED_MODULES = frozenset({"sys", "os", "posix", "nt", "subprocess"})

_safe = {}  # id(obj or tuple) -> the entry as given, kept in insertion order


def add_safe_globals(safe_globals):
    """Allow the functions/classes in ``safe_globals`` in ``load(..., weights_only=True)``.

    Each entry is a function or class (matched by ``f"{obj.__module__}.{obj.__qualname__}"``)
    or a ``(obj, "module.name")`` tuple naming it as the file does. Only allow what you trust:
    an allowed callable can be called with any arguments the file chooses.
    """
    for entry in list(safe_globals):
        _check_entry(entry)
        _safe.setdefault(_entry_key(entry), entry)


def get_safe_globals():
    """The user-allowed globals, in the order they were added."""
    return list(_safe.values())


def clear_safe_globals():
    """Forget every user-allowed global."""
    _safe.clear()


def _remove_safe_globals(entries):
    for entry in entries:
        _safe.pop(_entry_key(entry), None)


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Context manager allowing ``safe_globals`` (see ``add_safe_globals``) inside its block."""
    entries = [e for e in list(safe_globals) if _entry_key(e) not in _safe]
    add_safe_globals(entries)
    try:
        yield
    finally:
        _remove_safe_globals(entries)


def _entry_key(entry):
    return ("tuple", id(entry[0]), entry[1]) if isinstance(entry, tuple) else ("obj", id(entry))


def _check_entry(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError("Expected tuple of length 2 (global, str of callable full path), but "
                             f"got tuple of length: {len(entry)}")
        if type(entry[1]) is not str:
            raise TypeError("Expected second item in tuple to be str of callable full path, but "
                            f"got: {type(entry[1])}")
    elif not callable(entry):
        raise TypeError(f"add_safe_globals expects functions or classes, got {entry!r}")


def canonical_name(full_name):
    """``torch.nn.modules.linear.Linear`` -> ``numtorch.nn.modules.linear.Linear`` (and
    ``torchvision.x`` -> ``numtorch.vision.x``): numtorch's classes answer to PyTorch's names."""
    for prefix, target in (("torchvision", "numtorch.vision"), ("torch", "numtorch")):
        if full_name == prefix or full_name.startswith(prefix + "."):
            return target + full_name[len(prefix):]
    return full_name


def user_allowed_globals():
    """``{"module.qualname": obj}`` of the user's allow-list, under both the object's own name
    and (for numtorch objects) PyTorch's spelling of it."""
    out = {}
    for entry in _safe.values():
        if isinstance(entry, tuple):
            obj, name = entry
        else:
            obj, name = entry, f"{entry.__module__}.{entry.__qualname__}"
        out[name] = obj
        out[canonical_name(name)] = obj
    return out


def _mapped(module, name):
    """Python 2 names of protocol 0-2 pickles (``__builtin__.set``) as Python 3 names."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _shown(full_name):
    return full_name[len("builtins."):] if full_name.startswith("builtins.") else full_name


def _encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``: text codecs only."""
    if not isinstance(obj, str) or codecs.lookup(encoding).name not in (
            "latin-1", "iso8859-1", "utf-8", "ascii"):
        raise pickle.UnpicklingError(
            f"_codecs.encode is only allowed on text with latin-1/utf-8/ascii, got "
            f"{type(obj).__name__} and {encoding!r}")
    return codecs.encode(obj, encoding, errors)


# Builtin globals every file may use, besides the loader's own table.
_BUILTIN_GLOBALS = {
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": Counter,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.bytearray": bytearray,
    "builtins.complex": complex,
    "_codecs.encode": _encode,
}


class _Mark:
    pass


def _op(code):
    return pickle.__dict__[code][0] if isinstance(pickle.__dict__[code], bytes) else None


class Unpickler:
    """``Unpickler(file, globals_table, persistent_load, encoding="utf-8").load()``.

    ``globals_table`` maps full names (``"torch._utils._rebuild_tensor_v2"``) to the objects the
    file gets for them; ``persistent_load(pid)`` resolves persistent ids. Raises
    ``pickle.UnpicklingError`` for anything outside the contract (see the module docstring).
    """

    def __init__(self, file, globals_table, persistent_load, encoding="utf-8"):
        if isinstance(file, (bytes, bytearray, memoryview)):
            file = io.BytesIO(file)
        self._read_raw = file.read
        self._readline_raw = file.readline
        self.table = dict(_BUILTIN_GLOBALS)
        self.table.update(globals_table)
        self.user = user_allowed_globals()
        allowed = list(self.table.values()) + list(self.user.values())
        self.callable_ids = {id(v) for v in allowed}
        self.keep = allowed  # the ids above stay valid while this object lives
        self.user_types = {id(v) for v in self.user.values() if isinstance(v, type)}
        self.persistent_load = persistent_load
        self.encoding = encoding
        self.memo = {}
        self.stack = []
        self.metastack = []

    # --------------------------------------------------------------------- reading
    def read(self, n):
        data = self._read_raw(n)
        if len(data) < n:
            raise pickle.UnpicklingError("pickle data was truncated")
        return data

    def readline(self):
        line = self._readline_raw()
        if not line.endswith(b"\n"):
            raise pickle.UnpicklingError("pickle data was truncated")
        return line[:-1]

    def _unpack(self, fmt):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def pop_mark(self):
        items = self.stack
        if not self.metastack:
            raise pickle.UnpicklingError("could not find MARK")
        self.stack = self.metastack.pop()
        return items

    def top(self):
        if not self.stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self.stack[-1]

    def pop(self):
        if not self.stack:
            raise pickle.UnpicklingError("unpickling stack underflow")
        return self.stack.pop()

    # --------------------------------------------------------------------- the loop
    def load(self):
        dispatch = self._dispatch
        while True:
            key = self._read_raw(1)
            if not key:
                raise pickle.UnpicklingError("pickle data was truncated (no STOP opcode)")
            handler = dispatch.get(key[0])
            if handler is None:
                raise pickle.UnpicklingError(
                    f"Unsupported operand {key[0]} ({key!r}) in a weights-only load")
            if handler is Unpickler._stop:
                if self.metastack or len(self.stack) != 1:
                    raise pickle.UnpicklingError("malformed pickle: unbalanced stack at STOP")
                return self.stack.pop()
            try:
                handler(self)
            except (IndexError, KeyError, TypeError, ValueError, AttributeError, OverflowError,
                    struct.error) as exc:
                if isinstance(exc, pickle.UnpicklingError):
                    raise
                raise pickle.UnpicklingError(
                    f"malformed pickle at opcode {key!r}: {type(exc).__name__}: {exc}") from None

    # --------------------------------------------------------------------- opcodes
    def _proto(self):
        proto = self.read(1)[0]
        if proto > pickle.HIGHEST_PROTOCOL:
            raise pickle.UnpicklingError(f"unsupported pickle protocol: {proto}")

    def _frame(self):
        self.read(8)  # frame length: the reader does not need it

    def _stop(self):
        raise AssertionError("handled in load()")

    def _push(self, value):
        self.stack.append(value)

    def _none(self):
        self._push(None)

    def _true(self):
        self._push(True)

    def _false(self):
        self._push(False)

    def _int(self):
        line = self.readline()
        if line == b"00":
            self._push(False)
        elif line == b"01":
            self._push(True)
        else:
            self._push(int(line, 0))

    def _long(self):
        line = self.readline()
        self._push(int(line[:-1] if line.endswith(b"L") else line, 0))

    def _binint(self):
        self._push(self._unpack("<i"))

    def _binint1(self):
        self._push(self.read(1)[0])

    def _binint2(self):
        self._push(self._unpack("<H"))

    def _long1(self):
        n = self.read(1)[0]
        self._push(pickle.decode_long(self.read(n)))

    def _long4(self):
        n = self._unpack("<i")
        if n < 0:
            raise pickle.UnpicklingError("LONG pickle has negative byte count")
        self._push(pickle.decode_long(self.read(n)))

    def _float(self):
        self._push(float(self.readline()))

    def _binfloat(self):
        self._push(self._unpack(">d"))

    def _text(self, data):
        return str(data, "utf-8", "surrogatepass")

    def _binunicode(self):
        self._push(self._text(self.read(self._unpack("<I"))))

    def _short_binunicode(self):
        self._push(self._text(self.read(self.read(1)[0])))

    def _binunicode8(self):
        self._push(self._text(self.read(self._unpack("<Q"))))

    def _unicode(self):
        self._push(str(self.readline(), "raw-unicode-escape"))

    def _py2_string(self, data):
        if self.encoding == "bytes":
            return data
        return data.decode(self.encoding, "strict")

    def _binstring(self):
        n = self._unpack("<i")
        if n < 0:
            raise pickle.UnpicklingError("BINSTRING pickle has negative byte count")
        self._push(self._py2_string(self.read(n)))

    def _short_binstring(self):
        self._push(self._py2_string(self.read(self.read(1)[0])))

    def _binbytes(self):
        self._push(self.read(self._unpack("<I")))

    def _short_binbytes(self):
        self._push(self.read(self.read(1)[0]))

    def _binbytes8(self):
        self._push(self.read(self._unpack("<Q")))

    def _bytearray8(self):
        self._push(bytearray(self.read(self._unpack("<Q"))))

    def _empty_tuple(self):
        self._push(())

    def _tuple(self):
        self._push(tuple(self.pop_mark()))

    def _tuple1(self):
        self.stack[-1] = (self.stack[-1],)

    def _tuple2(self):
        self.stack[-2:] = [(self.stack[-2], self.stack[-1])]

    def _tuple3(self):
        self.stack[-3:] = [(self.stack[-3], self.stack[-2], self.stack[-1])]

    def _empty_list(self):
        self._push([])

    def _list(self):
        self._push(self.pop_mark())

    def _empty_dict(self):
        self._push({})

    def _dict(self):
        items = self.pop_mark()
        self._push({items[i]: items[i + 1] for i in range(0, len(items), 2)})

    def _empty_set(self):
        self._push(set())

    def _frozenset(self):
        self._push(frozenset(self.pop_mark()))

    def _mark(self):
        self.metastack.append(self.stack)
        self.stack = []

    def _pop(self):
        if self.stack:
            self.stack.pop()
        else:
            self.pop_mark()

    def _pop_mark(self):
        self.pop_mark()

    def _dup(self):
        self._push(self.top())

    def _target(self, kinds, opcode):
        target = self.top()
        if type(target) not in kinds:
            raise pickle.UnpicklingError(
                f"{opcode} only works on {' / '.join(k.__name__ for k in kinds)} in a "
                f"weights-only load, got {type(target).__name__}")
        return target

    def _append(self):
        item = self.pop()
        self._target((list,), "APPEND").append(item)

    def _appends(self):
        items = self.pop_mark()
        self._target((list,), "APPENDS").extend(items)

    def _setitem(self):
        value = self.pop()
        key = self.pop()
        self._target((dict, OrderedDict, Counter), "SETITEM")[key] = value

    def _setitems(self):
        items = self.pop_mark()
        target = self._target((dict, OrderedDict, Counter), "SETITEMS")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def _additems(self):
        items = self.pop_mark()
        self._target((set,), "ADDITEMS").update(items)

    def _get(self):
        self._push(self.memo[int(self.readline())])

    def _binget(self):
        self._push(self.memo[self.read(1)[0]])

    def _long_binget(self):
        self._push(self.memo[self._unpack("<I")])

    def _put(self):
        self.memo[int(self.readline())] = self.top()

    def _binput(self):
        self.memo[self.read(1)[0]] = self.top()

    def _long_binput(self):
        self.memo[self._unpack("<I")] = self.top()

    def _memoize(self):
        self.memo[len(self.memo)] = self.top()

    # The risky ones: these are where the allow-list is enforced.
    def _global(self):
        module = self.readline().decode("utf-8")
        name = self.readline().decode("utf-8")
        self._push(self.find_class(module, name))

    def _stack_global(self):
        name = self.pop()
        module = self.pop()
        if type(module) is not str or type(name) is not str:
            raise pickle.UnpicklingError("STACK_GLOBAL requires str")
        self._push(self.find_class(module, name))

    def find_class(self, module, name):
        module, name = _mapped(module, name)
        full = f"{module}.{name}"
        root = module.split(".")[0]
        if root in BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self.table:
            return self.table[full]
        for key in (full, canonical_name(full)):
            if key in self.user:
                return self.user[key]
        shown = _shown(full)
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
            f"`numtorch.serialization.add_safe_globals([{shown}])` or the "
            f"`numtorch.serialization.safe_globals([{shown}])` context manager to allowlist this "
            "global if you trust this class/function.")

    def _check_callable(self, func, what):
        if id(func) not in self.callable_ids:
            raise pickle.UnpicklingError(
                f"Trying to {what} {func!r}, which is not an allowed global (only functions and "
                "classes named by the file and allowed can be called)")

    def _reduce(self):
        args = self.pop()
        func = self.top()
        self._check_callable(func, "call reduce for unrecognized function")
        if type(args) is not tuple:
            raise pickle.UnpicklingError("REDUCE arguments must be a tuple")
        self.stack[-1] = func(*args)

    def _new_object(self, cls, args, kwargs):
        self._check_callable(cls, "create new object of")
        if not isinstance(cls, type):
            raise pickle.UnpicklingError(f"NEWOBJ expects a class, got {cls!r}")
        if type(args) is not tuple or type(kwargs) is not dict:
            raise pickle.UnpicklingError("NEWOBJ arguments must be a tuple (and a dict)")
        if id(cls) in self.user_types:
            return cls.__new__(cls, *args, **kwargs)
        # Table classes (Parameter, Size, OrderedDict ...) are built by their constructor.
        return cls(*args, **kwargs)

    def _newobj(self):
        args = self.pop()
        cls = self.pop()
        self._push(self._new_object(cls, args, {}))

    def _newobj_ex(self):
        kwargs = self.pop()
        args = self.pop()
        cls = self.pop()
        self._push(self._new_object(cls, args, kwargs))

    def _build(self):
        state = self.pop()
        inst = self.top()
        if type(inst) is OrderedDict:  # a state dict's _metadata
            if type(state) is not dict:
                raise pickle.UnpicklingError("OrderedDict state must be a dict")
            inst.__dict__.update(state)
            return
        if id(type(inst)) not in self.user_types:
            raise pickle.UnpicklingError(
                "Can only build OrderedDict or types allowlisted via `add_safe_globals`, but got "
                f"{type(inst)}")
        setstate = getattr(inst, "__setstate__", None)
        if setstate is not None:
            setstate(state)
            return
        slotstate = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slotstate = state
        if state:
            inst.__dict__.update(state)
        if slotstate:
            for k, v in slotstate.items():
                setattr(inst, k, v)

    def _binpersid(self):
        self._push(self.persistent_load(self.pop()))

    def _persid(self):
        self._push(self.persistent_load(self.readline().decode("ascii")))


Unpickler._dispatch = {
    _op(code): getattr(Unpickler, method) for code, method in {
        "PROTO": "_proto", "FRAME": "_frame", "STOP": "_stop", "NONE": "_none",
        "NEWTRUE": "_true", "NEWFALSE": "_false", "INT": "_int", "LONG": "_long",
        "BININT": "_binint", "BININT1": "_binint1", "BININT2": "_binint2", "LONG1": "_long1",
        "LONG4": "_long4", "FLOAT": "_float", "BINFLOAT": "_binfloat",
        "BINUNICODE": "_binunicode", "SHORT_BINUNICODE": "_short_binunicode",
        "BINUNICODE8": "_binunicode8", "UNICODE": "_unicode", "BINSTRING": "_binstring",
        "SHORT_BINSTRING": "_short_binstring", "BINBYTES": "_binbytes",
        "SHORT_BINBYTES": "_short_binbytes", "BINBYTES8": "_binbytes8",
        "BYTEARRAY8": "_bytearray8", "EMPTY_TUPLE": "_empty_tuple", "TUPLE": "_tuple",
        "TUPLE1": "_tuple1", "TUPLE2": "_tuple2", "TUPLE3": "_tuple3",
        "EMPTY_LIST": "_empty_list", "LIST": "_list", "EMPTY_DICT": "_empty_dict",
        "DICT": "_dict", "EMPTY_SET": "_empty_set", "FROZENSET": "_frozenset", "MARK": "_mark",
        "POP": "_pop", "POP_MARK": "_pop_mark", "DUP": "_dup", "APPEND": "_append",
        "APPENDS": "_appends", "SETITEM": "_setitem", "SETITEMS": "_setitems",
        "ADDITEMS": "_additems", "GET": "_get", "BINGET": "_binget",
        "LONG_BINGET": "_long_binget", "PUT": "_put", "BINPUT": "_binput",
        "LONG_BINPUT": "_long_binput", "MEMOIZE": "_memoize", "GLOBAL": "_global",
        "STACK_GLOBAL": "_stack_global", "REDUCE": "_reduce", "NEWOBJ": "_newobj",
        "NEWOBJ_EX": "_newobj_ex", "BUILD": "_build", "BINPERSID": "_binpersid",
        "PERSID": "_persid",
    }.items()
}
