"""The course-outline examples (robustness, explainability, vision transformer, diffusion,
linear SVM, transfer learning) run end to end in reduced form (``--quick``) and print their
figures in the promised form; where a short run allows, the claim's direction is checked."""

import importlib.util
import os
import re
import sys

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
PNG = b"\x89PNG\r\n\x1a\n"


def _load(name):
    if EXAMPLES not in sys.path:  # as when run as a script: course_utils.py sits beside them
        sys.path.insert(0, EXAMPLES)
    spec = importlib.util.spec_from_file_location(f"_example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _needs_sklearn():
    pytest.importorskip("sklearn", reason="the Digits data ship with scikit-learn")


def _has(module):
    return importlib.util.find_spec(module) is not None


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == PNG


def test_adversarial(capsys, tmp_path):
    results = _load("adversarial").main(["--quick", "--epsilons", "0,0.1,0.3",
                                         "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    lines = re.findall(r"^(fgsm|pgd) epsilon (\d\.\d\d): accuracy (\d\.\d{4})$", out, re.M)
    assert [(a, e) for a, e, _ in lines] == [(a, e) for a in ("fgsm", "pgd")
                                             for e in ("0.00", "0.10", "0.30")]
    for attack in ("fgsm", "pgd"):
        acc = [results[attack][e] for e in (0.0, 0.1, 0.3)]
        assert acc[0] > 0.8 and acc[0] > acc[1] > acc[2]  # falls as epsilon grows
    assert results["pgd"][0.1] <= results["fgsm"][0.1] + 1e-9
    assert results["pgd"][0.3] <= results["fgsm"][0.3] + 1e-9
    if _has("matplotlib"):
        assert _is_png(tmp_path / "accuracy_vs_epsilon.png")
        assert _is_png(tmp_path / "examples.png")


def test_adversarial_attacks_stay_in_the_ball():
    import numtorch as torch

    mod = _load("adversarial")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)).eval()
    x, y = torch.rand(16, 1, 8, 8), torch.randint(0, 10, (16,))
    for x_adv in (mod.fgsm(model, x, y, 0.1), mod.pgd(model, x, y, 0.1, steps=3)):
        assert (x_adv - x).abs().max().item() <= 0.1 + 1e-6
        assert x_adv.min().item() >= 0.0 and x_adv.max().item() <= 1.0


def test_saliency(capsys, tmp_path):
    salient, random = _load("saliency").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    m = re.search(r"^deletion: salient (\d\.\d\d) random (-?\d\.\d\d)$", out, re.M)
    assert m and float(m.group(1)) == pytest.approx(salient, abs=0.005)
    assert salient > random + 0.1
    if _has("matplotlib"):
        assert _is_png(tmp_path / "saliency.png")


def test_grad_cam_shape_and_sign():
    import numtorch as torch
    from numtorch.vision.models import CourseCNN

    mod = _load("saliency")
    model = CourseCNN(1, 10, 8).eval()
    x, y = torch.rand(3, 1, 8, 8), torch.tensor([0, 3, 9])
    cam = mod.grad_cam(model, x, y)
    assert cam.shape == (3, 1, 8, 8) and cam.min().item() >= 0.0
    assert mod.smoothgrad(model, x, y, samples=2).shape == (3, 1, 8, 8)


def test_vit(capsys, tmp_path):
    acc = _load("vit").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "4 patches of 4x4 + class token" in out
    printed = float(re.search(r"^test accuracy (\d\.\d{4})$", out, re.M).group(1))
    assert printed == pytest.approx(acc, abs=1e-4)
    assert acc > 0.2  # above chance (0.1) after six short epochs (0.34-0.54 over seeds 0-5)
    if _has("matplotlib"):
        assert _is_png(tmp_path / "attention.png")


def test_vit_tokens():
    import numtorch as torch

    model = _load("vit").ViT(image_size=8, patch=2, d_model=16, heads=2, layers=1)
    assert model.tokens(torch.rand(5, 1, 8, 8)).shape == (5, 17, 16)
    assert model(torch.rand(5, 1, 8, 8)).shape == (5, 10)
    with pytest.raises(ValueError, match="multiple"):
        _load("vit").ViT(image_size=8, patch=3)


def test_diffusion(capsys, tmp_path):
    share, baseline = _load("diffusion").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    m = re.search(r"^samples recognized (\d\.\d\d) \(noise baseline (\d\.\d\d)\)$", out, re.M)
    assert m and float(m.group(1)) == pytest.approx(share, abs=0.005)
    assert 0.0 <= baseline <= 1.0 and 0.0 <= share <= 1.0
    if _has("PIL"):
        assert _is_png(tmp_path / "samples.png") and _is_png(tmp_path / "chain.png")


def test_diffusion_schedule():
    import numtorch as torch

    mod = _load("diffusion")
    schedule = mod.Schedule(100)
    assert schedule.alpha_bars.shape == (100,)
    assert 0.9 < schedule.alpha_bars[0].item() < 1.0 and schedule.alpha_bars[-1].item() < 1e-3
    x0, eps = torch.ones(2, 1, 8, 8), torch.zeros(2, 1, 8, 8)
    t = torch.tensor([0, 99])
    xt = schedule.noisy(x0, t, eps)  # no noise: x0 scaled by sqrt(alpha_bar_t)
    assert xt[0, 0, 0, 0].item() == pytest.approx(schedule.alpha_bars[0].item() ** 0.5)


@pytest.mark.parametrize("clip", [True, False])
def test_diffusion_sampler_recovers_the_image_an_exact_denoiser_knows(clip):
    import numtorch as torch

    mod = _load("diffusion")
    schedule = mod.Schedule(50)
    target = torch.rand(1, 1, 8, 8) * 2 - 1

    def oracle(x, t):  # the exact noise when the data set is the single image ``target``
        a = schedule.alpha_bars[t].reshape(-1, 1, 1, 1)
        return (x - a.sqrt() * target) / (1 - a).sqrt()

    samples, kept = schedule.sample(oracle, 3, keep=(10, 40), clip=clip)
    assert len(kept) == 2 and samples.shape == (3, 1, 8, 8)
    assert torch.allclose(samples, target.expand(3, 1, 8, 8), atol=1e-4)


def test_svm(capsys, tmp_path):
    acc = _load("svm").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    printed = float(re.search(r"^test accuracy (\d\.\d{4})$", out, re.M).group(1))
    assert printed == pytest.approx(acc, abs=1e-4)
    assert acc > 0.9
    assert re.search(r"^scikit-learn LinearSVC test accuracy \d\.\d{4}$", out, re.M)
    if _has("matplotlib"):
        assert _is_png(tmp_path / "weights.png")


def test_svm_orientation_features():
    import numpy as np

    feats = _load("svm").orientation_histograms(np.random.default_rng(0).random((4, 8, 8)))
    assert feats.shape == (4, 32) and (feats >= 0).all()


def test_transfer_learning(capsys, tmp_path):
    # The claim (fine-tuned above from scratch by several standard errors) needs the full run:
    # 120 pretraining epochs and 20 draws (docs/examples.md). --quick pretrains 15 epochs and
    # draws twice, too little to judge it, so here only the figures' form, their sense, the
    # equal budget of both sides and the saved file are checked.
    means = _load("transfer_learning").main(["--quick", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "(723 images, 15 epochs, augmentation 1)" in out
    assert "2 draws; 20 epochs each (transfer: 1 head only + 19 all layers)" in out
    for key, label in (("scratch", "from scratch"), ("frozen", "frozen backbone"),
                       ("finetuned", "fine-tuned")):
        printed = float(re.search(rf"^{label} (\d\.\d\d)$", out, re.M).group(1))
        assert printed == pytest.approx(means[key], abs=0.005)
        assert means[key] > 0.4  # five classes: chance is 0.2
    gain = re.search(r"^fine-tuned - from scratch: ([+-]\d\.\d{4}) \(standard error (\d\.\d{4}) "
                     r"over 2 draws; fine-tuned better in (\d), worse in (\d)\)$", out, re.M)
    assert float(gain.group(1)) == pytest.approx(means["finetuned"] - means["scratch"],
                                                 abs=1e-4)
    assert int(gain.group(3)) + int(gain.group(4)) <= 2
    if _has("matplotlib"):
        assert _is_png(tmp_path / "transfer.png")
    pth = tmp_path / "pretrained_digits_0-4.pth"
    assert pth.exists()
    import numtorch as torch

    state = torch.load(str(pth), map_location="cpu")
    assert state["features.2.weight"].shape == (32, 32, 3, 3)
    assert state["classifier.3.weight"].shape == (5, 128)


def test_transfer_learning_both_sides_get_the_same_budget():
    from types import SimpleNamespace

    import numtorch as torch
    from numtorch import nn

    mod = _load("transfer_learning")
    assert [mod.split_budget(e, f) for e, f in ((60, 0.5), (10, 0.0), (10, 1.0), (7, 0.5))] == \
        [(30, 30), (1, 9), (9, 1), (4, 3)]

    def make_model(k):
        return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, k or 2))

    torch.manual_seed(0)
    x = torch.rand(40, 1, 4, 4)
    y = (x[:, 0, 0, 0] > 0.5).long()  # a learnable rule: two classes
    state = make_model(2).state_dict()
    args = SimpleNamespace(seed=0, repeats=2, shots=5, epochs=6, head_fraction=0.5, lr=1e-2,
                           finetune_lr_factor=1.0, curve_every=2, augment=0.0, validate=False)
    results, curves, (x_few, y_few) = mod.compare(make_model, "3", lambda k: nn.Linear(8, k),
                                                  state, x, y, x, y, args)
    assert {k: len(v) for k, v in results.items()} == {"scratch": 2, "frozen": 2,
                                                       "finetuned": 2}
    assert len(y_few) == 10 and sorted(y_few.tolist()) == [0] * 5 + [1] * 5
    for key in ("scratch", "transfer"):  # test accuracy at the same epochs, ending at 6
        assert [[e for e, _ in c] for c in curves[key]] == [[2, 4, 6]] * 2
    assert [a for _, a in curves["scratch"][0]][-1] == results["scratch"][0]
    assert [a for _, a in curves["transfer"][0]][-1] == results["finetuned"][0]
    # --validate: judged on the pool's images outside each draw, the test images never read
    args.validate = True
    results, _, _ = mod.compare(make_model, "3", lambda k: nn.Linear(8, k), state, x, y, None,
                                None, args)
    assert {k: len(v) for k, v in results.items()} == {"scratch": 2, "frozen": 2,
                                                       "finetuned": 2}
    x_few, y_few, rest = mod.few_shot(x, y, 5, np.random.default_rng(0))
    drawn = [i for i in range(40) if i not in set(rest.tolist())]
    assert len(drawn) == 10 and torch.equal(x[torch.tensor(drawn)].sort(0)[0],
                                            x_few.sort(0)[0])


def test_transfer_learning_from_resnet18_weights_on_an_image_folder(capsys, tmp_path):
    pil = pytest.importorskip("PIL.Image", reason="image folders are read with Pillow")
    import numpy as np

    import numtorch as torch
    from numtorch.vision.models import resnet18

    rng = np.random.default_rng(0)
    for split, n in (("train", 3), ("test", 2)):
        for c, scale in (("dark", 60), ("bright", 255)):
            os.makedirs(tmp_path / "data" / split / c)
            for i in range(n):
                pixels = (rng.random((12, 12, 3)) * scale).astype(np.uint8)
                pil.fromarray(pixels).save(tmp_path / "data" / split / c / f"{i}.png")
    weights = tmp_path / "resnet18.pth"
    torch.save(resnet18().state_dict(), str(weights))
    mod = _load("transfer_learning")
    means = mod.main(["--weights", str(weights), "--data", f"folder:{tmp_path / 'data'}",
                      "--shots", "2", "--epochs", "2", "--repeats", "1", "--image-size", "32",
                      "--out-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert "2 classes, 6 train / 4 test images resized to 32x32" in out
    assert f"loaded {weights}: 122 tensors" in out
    for label in ("from scratch", "frozen backbone", "fine-tuned"):
        assert re.search(rf"^{label} \d\.\d\d$", out, re.M)
    assert set(means) == {"scratch", "frozen", "finetuned"}
    torch.save({"weight": torch.zeros(1)}, str(weights))
    with pytest.raises(SystemExit, match="ResNet-18 state dict"):
        mod.main(["--weights", str(weights), "--data", f"folder:{tmp_path / 'data'}"])


class _QueuedRng:
    """Stands in for a NumPy generator: ``uniform`` hands out the queued arrays in turn."""

    def __init__(self, *arrays):
        self.arrays = list(arrays)

    def uniform(self, low, high, size):
        out = self.arrays.pop(0)
        assert out.shape == np.broadcast_shapes(size) and (out >= low).all() and (out <= high).all()
        return out


def test_transfer_learning_random_affine_turns_scales_and_shifts():
    import numtorch as torch

    mod = _load("transfer_learning")
    x = torch.rand(2, 1, 8, 8)
    assert mod.random_affine(x, 0.0, None) is x
    # no turn, no scaling, a shift of +1 (strength 1: one pixel) along the width only
    rng = _QueuedRng(np.zeros(2), np.zeros(2), np.array([[1.0, 0.0], [1.0, 0.0]]))
    out = mod.random_affine(x, 1.0, rng).numpy()
    np.testing.assert_allclose(out[..., :-1], x.numpy()[..., 1:], atol=1e-6)
    assert (out[..., -1] == 0).all()  # zeros come in from outside
    # +90 degrees turns a square image exactly as np.rot90 does (counterclockwise as shown)
    rng = _QueuedRng(np.full(2, 15.0), np.zeros(2), np.zeros((2, 2)))
    out = mod.random_affine(x, 6.0, rng).numpy()  # 6 * 15 = 90 degrees
    np.testing.assert_allclose(out, np.rot90(x.numpy(), 1, axes=(2, 3)), atol=1e-5)
    rng = np.random.default_rng(0)
    a, b = mod.random_affine(x, 1.0, rng), mod.random_affine(x, 1.0, rng)
    assert a.shape == x.shape and not torch.equal(a, b)


def test_transfer_learning_digits_cnn_keeps_a_4x4_map():
    import numtorch as torch

    mod = _load("transfer_learning")
    model = mod.DigitsCNN(in_channels=1, num_classes=5)
    x = torch.rand(3, 1, 8, 8)
    assert model.features(x).shape == (3, 32, 4, 4)
    assert model(x).shape == (3, 5)
    assert model.state_dict()["classifier.1.weight"].shape == (128, 512)


def test_transfer_learning_new_head_keeps_the_backbone():
    import numtorch as torch
    from numtorch.vision.models import CourseCNN

    mod = _load("transfer_learning")
    source = CourseCNN(1, 5, 8)
    model = mod.with_new_head(source.state_dict(), CourseCNN(1, 5, 8), "classifier",
                              CourseCNN(1, 3, 8).classifier)
    x = torch.rand(2, 1, 8, 8)
    assert torch.equal(model.features(x), source.features(x))
    assert model(x).shape == (2, 3)
    state = dict(source.state_dict(), **{"extra.weight": torch.zeros(1)})
    with pytest.raises(RuntimeError, match="do not fit"):
        mod.with_new_head(state, CourseCNN(1, 5, 8), "classifier", torch.nn.Linear(1, 1))


def test_transfer_learning_fit_keeps_frozen_batch_norm_statistics():
    import numtorch as torch
    from numtorch import nn

    mod = _load("transfer_learning")
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 3))
    for p in model[:2].parameters():
        p.requires_grad_(False)
    before = model[1].running_mean.clone()
    x, y = torch.randn(8, 1, 8, 8) + 3.0, torch.randint(0, 3, (8,))
    mod.fit(model, model[4].parameters(), x, y, epochs=1, lr=1e-2, batch_size=4)
    assert torch.equal(model[1].running_mean, before)
    for p in model[1].parameters():  # trainable again: the statistics move
        p.requires_grad_(True)
    mod.fit(model, model.parameters(), x, y, epochs=1, lr=1e-2, batch_size=4)
    assert not torch.equal(model[1].running_mean, before)
