"""PyTorch's legacy tensor types (``FloatTensor``, ``LongTensor``...): constructors that make
plain ``Tensor``s of their dtype, and the names ``Tensor.type()`` accepts for them."""

from numtorch import _dtype
from numtorch._tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor"]


class _LegacyTensor(Tensor):
    """Base of ``FloatTensor``, ``LongTensor``…: constructors that produce plain ``Tensor``s."""

    __slots__ = ()

    def __new__(cls, *args, device=None):
        t = Tensor.__new__(Tensor)
        cls._legacy_init(t, *args, device=device)
        return t

    @classmethod
    def _legacy_init(cls, t, *args, device=None):
        old = Tensor._legacy_dtype
        Tensor.__init__(t, *args, device=device)
        if t._data.dtype != cls._legacy_dtype.np_dtype:
            t._data = t._data.astype(cls._legacy_dtype.np_dtype)
        del old


def _legacy(name, dt):
    return type(name, (_LegacyTensor,), {"__slots__": (), "_legacy_dtype": dt})


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
LongTensor = _legacy("LongTensor", _dtype.int64)
IntTensor = _legacy("IntTensor", _dtype.int32)
ShortTensor = _legacy("ShortTensor", _dtype.int16)
CharTensor = _legacy("CharTensor", _dtype.int8)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
BoolTensor = _legacy("BoolTensor", _dtype.bool)

_LEGACY_NAMES = {f"torch.{cls.__name__}": cls._legacy_dtype
                 for cls in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                             ShortTensor, CharTensor, ByteTensor, BoolTensor)}
