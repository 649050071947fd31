"""``numtorch.utils.model_zoo``: PyTorch's older name for the weights download
(``load_url`` is ``numtorch.hub.load_state_dict_from_url``)."""

from numtorch.hub import load_state_dict_from_url as load_url

__all__ = ["load_url"]
