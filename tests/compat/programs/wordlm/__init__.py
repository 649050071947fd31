"""The word language model's parts, imported by word_language_model.py with relative imports
inside this package (as the example keeps them in data.py and model.py)."""
from .data import Corpus
from .model import RNNModel, TransformerModel

__all__ = ["Corpus", "RNNModel", "TransformerModel"]
