"""``torch.utils.tensorboard``: logging for TensorBoard (``_graph`` builds the model graph)."""
