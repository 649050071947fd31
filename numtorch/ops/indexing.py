"""Indexing primitives: getitem/setitem, gather/scatter, index_select, masked ops."""



__all__ = []

TENSOR_METHODS = {}
