"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` on the
``tensorboard`` package's own event file writer and protos."""

import os
import socket
import time
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from numtorch.utils.tensorboard import summary as _summary
from numtorch.utils.tensorboard._convert import InputError, figure_to_image, make_np

__all__ = ["SummaryWriter", "FileWriter"]


class FileWriter:
    """Writes ``Event`` protos to one event file in ``log_dir`` (queued; flushed every
    ``flush_secs`` and when ``max_queue`` events wait)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        log_dir = str(log_dir)
        self.event_writer = EventFileWriter(log_dir, max_queue, flush_secs, filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def, walltime=None):
        """The graph, and run metadata tagged 'step1' naming the CPU device (what PyTorch's
        writer adds, so TensorBoard's Graphs dashboard shows the run the same way)."""
        from tensorboard.compat.proto.config_pb2 import RunMetadata
        from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats

        self.add_event(Event(graph_def=graph_def.SerializeToString()), None, walltime)
        stats = RunMetadata(step_stats=StepStats(dev_stats=[
            DeviceStepStats(device="/device:CPU:0")]))
        meta = TaggedRunMetadata(tag="step1", run_metadata=stats.SerializeToString())
        self.add_event(Event(tagged_run_metadata=meta), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


class SummaryWriter:
    """Logs scalars, histograms, images, figures, text, hyper-parameters, graphs and PR curves
    to TensorBoard event files in ``log_dir``, with PyTorch's API and defaults.

    ``log_dir=None`` writes to ``runs/<Mon><DD>_<HH-MM-SS>_<hostname><comment>``.
    ``purge_step``: TensorBoard hides events at or after this step written by an earlier run in
    the same folder (resuming after a crash). ``max_queue`` events are buffered and written at
    the latest every ``flush_secs`` seconds; ``filename_suffix`` ends the event file's name.
    Usable as a context manager (closed on exit).

    Each call's value is written as PyTorch's writer writes it, so TensorBoard shows the same
    thing; tensors may be numtorch tensors, NumPy arrays or Python numbers. Not provided:
    ``add_video`` (PyTorch needs moviepy for it), ``add_mesh``, ``add_onnx_graph``,
    ``add_image_with_boxes`` and ``add_tensor``.
    Needs the ``tensorboard`` package (and Pillow for images, matplotlib for figures):
    ``pip install "numtorch[tensorboard]"``.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = _summary.default_bins()

    def _get_file_writer(self):
        """The main run's writer, recreated after ``close()``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=step,
                                                 session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The directory the event files go to."""
        return self.log_dir

    # ------------------------------------------------------------------ scalars
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One value of the series ``tag`` at ``global_step`` (a number, NumPy scalar or
        one-element tensor). ``new_style`` stores it as a tensor for the scalars plugin."""
        self._get_file_writer().add_summary(
            _summary.scalar(tag, scalar_value, new_style=new_style,
                            double_precision=double_precision), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several series in one chart: each key gets its own sub-run folder
        ``<log_dir>/<main_tag>_<key>`` holding the series ``main_tag`` (PyTorch's layout)."""
        walltime = time.time() if walltime is None else walltime
        root = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            sub = root + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(sub)
            if writer is None:
                writer = FileWriter(sub, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[sub] = writer
            writer.add_summary(_summary.scalar(main_tag, value), global_step, walltime)

    # ------------------------------------------------------------------ distributions
    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """A histogram of ``values``. ``bins``: 'tensorflow' (TensorFlow's exponential buckets,
        the default), any of NumPy's ``np.histogram`` bins (a count, edges, 'auto', 'fd', ...).
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(
            _summary.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None):
        """A histogram from precomputed statistics and buckets."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._get_file_writer().add_summary(
            _summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits,
                                   bucket_counts), global_step, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127,
                     weights=None, walltime=None):
        """A precision-recall curve from 0/1 ``labels`` and ``predictions`` in [0, 1]."""
        labels, predictions = make_np(labels), make_np(predictions)
        self._get_file_writer().add_summary(
            _summary.pr_curve(tag, labels, predictions, num_thresholds, weights),
            global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts,
                         true_negative_counts, false_negative_counts, precision, recall,
                         global_step=None, num_thresholds=127, weights=None, walltime=None):
        """A precision-recall curve from precomputed counts."""
        arrays = [make_np(a) for a in (true_positive_counts, false_positive_counts,
                                       true_negative_counts, false_negative_counts,
                                       precision, recall)]
        self._get_file_writer().add_summary(
            _summary.pr_curve_raw(tag, *arrays, num_thresholds=num_thresholds), global_step,
            walltime)

    # ------------------------------------------------------------------ images
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: ``dataformats`` CHW (default), HWC or HW; uint8 in [0, 255] or floats
        in [0, 1] (scaled by 255 and clipped). Stored as PNG."""
        self._get_file_writer().add_summary(
            _summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images (NCHW or NHWC), shown as one grid of up to 8 columns."""
        self._get_file_writer().add_summary(
            _summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, as a grid) rendered to an image; the figure
        is closed unless ``close=False``."""
        if isinstance(figure, list):
            self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                           dataformats="NCHW")
        else:
            self.add_image(tag, figure_to_image(figure, close), global_step, walltime,
                           dataformats="CHW")

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        """Mono audio, samples in [-1, 1], stored as 16-bit WAV."""
        self._get_file_writer().add_summary(
            _summary.audio(tag, snd_tensor, sample_rate=sample_rate), global_step, walltime)

    # ------------------------------------------------------------------ custom scalars
    def add_custom_scalars(self, layout):
        """Charts grouping scalar series: ``{category: {title: ["Multiline", [tags]]}}`` or
        ``["Margin", [value_tag, lower_tag, upper_tag]]``."""
        self._get_file_writer().add_summary(_summary.custom_scalars(layout))

    def add_custom_scalars_multilinechart(self, tags, category="default", title="untitled"):
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags, category="default", title="untitled"):
        if len(tags) != 3:
            raise InputError(f"Expected 3 tags, got {len(tags)}.")
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # ------------------------------------------------------------------ text, hparams
    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Text (Markdown is rendered by TensorBoard), under the tag ``<tag>/text_summary``."""
        self._get_file_writer().add_summary(_summary.text(tag, text_string), global_step,
                                            walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """One row of the HParams dashboard: hyper-parameter values (numbers, strings, bools,
        one-element tensors) and final metrics. As in PyTorch, it is written to a sub-run
        ``<log_dir>/<run_name>`` (default: the current time), with each metric also logged
        there as a scalar."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        exp, start, end = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as w:
            for s in (exp, start, end):
                w.file_writer.add_summary(s, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    # ------------------------------------------------------------------ graph
    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The graph of one traced forward pass of ``model`` on ``input_to_model`` (the same
        tracer as ``numtorch.onnx.export``), for TensorBoard's Graphs dashboard.
        ``use_strict_trace`` is accepted for PyTorch compatibility."""
        try:
            from numtorch.utils.tensorboard._graph import graph_def
        except ImportError as exc:
            raise NotImplementedError("add_graph needs numtorch's graph tracer "
                                      "(numtorch.utils.tensorboard._graph), which this "
                                      "installation does not have") from exc
        self._get_file_writer().add_graph(graph_def(model, input_to_model, verbose=verbose))

    # ------------------------------------------------------------------ embeddings
    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None,
                      tag="default", metadata_header=None):
        """Points for the Projector: ``mat`` (N, D), optional ``metadata`` (N labels, or rows
        under ``metadata_header``) and ``label_img`` (N, C, H, W thumbnails in [0, 1]).
        Written as PyTorch does: ``<log_dir>/<step:05d>/<tag>/`` (tensors.tsv, metadata.tsv,
        sprite.png) and ``projector_config.pbtxt``."""
        from google.protobuf import text_format
        from tensorboard.plugins.projector.projector_config_pb2 import (
            EmbeddingInfo,
            ProjectorConfig,
        )

        mat = make_np(mat)
        if mat.ndim != 2:
            raise InputError(f"mat should be 2D, where mat.size(0) is the number of data points, "
                             f"got shape {mat.shape}")
        step = 0 if global_step is None else global_step
        subdir = f"{str(step).zfill(5)}/{_encode(tag)}"
        root = self._get_file_writer().get_logdir()
        path = os.path.join(root, subdir)
        os.makedirs(path, exist_ok=True)
        info = EmbeddingInfo(tensor_name=f"{tag}:{str(step).zfill(5)}",
                             tensor_path=subdir + "/tensors.tsv")
        if metadata is not None:
            if len(metadata) != mat.shape[0]:
                raise InputError(f"#labels should equal with #data points: {len(metadata)} "
                                 f"labels for {mat.shape[0]} points")
            if metadata_header:
                if len(metadata_header) != len(metadata[0]):
                    raise InputError("len of header must be equal to the number of columns in "
                                     "metadata")
                rows = ["\t".join(str(e) for e in row) for row in [metadata_header] + metadata]
            else:
                rows = [str(x) for x in metadata]
            with open(os.path.join(path, "metadata.tsv"), "wb") as f:
                f.write(("\n".join(rows) + "\n").encode())
            info.metadata_path = subdir + "/metadata.tsv"
        if label_img is not None:
            imgs = make_np(label_img)
            if imgs.shape[0] != mat.shape[0]:
                raise InputError("#images should equal with #data points")
            _write_sprite(imgs, os.path.join(path, "sprite.png"))
            info.sprite.image_path = subdir + "/sprite.png"
            info.sprite.single_image_dim.extend([imgs.shape[3], imgs.shape[2]])
        with open(os.path.join(path, "tensors.tsv"), "wb") as f:
            for row in mat:
                f.write(("\t".join(str(x.item()) for x in row) + "\n").encode())
        if not hasattr(self, "_projector_config"):
            self._projector_config = ProjectorConfig()
        self._projector_config.embeddings.extend([info])
        with open(os.path.join(root, "projector_config.pbtxt"), "wb") as f:
            f.write(text_format.MessageToString(self._projector_config).encode())

    # ------------------------------------------------------------------ lifetime
    def flush(self):
        """Write pending events of every run to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self):
        """Flush and close every event file; a later ``add_*`` opens a new file."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()


def _encode(raw):
    """A tag made safe as a folder name (% / and \\ escaped as %xx)."""
    return raw.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write_sprite(imgs, path):
    """The Projector's sprite: the thumbnails in a square grid, as a PNG."""
    import math

    import numpy as np

    from numtorch.utils.tensorboard._convert import make_grid
    from numtorch.utils.tensorboard.summary import _pillow

    nrow = math.ceil(imgs.shape[0] ** 0.5)
    grid = make_grid(imgs, ncols=nrow).transpose(1, 2, 0)  # (H, W, 3)
    square = np.zeros((grid.shape[1], grid.shape[1], 3))
    square[:grid.shape[0]] = grid
    _pillow().fromarray(np.uint8((square * 255).clip(0, 255))).save(path, format="PNG")
