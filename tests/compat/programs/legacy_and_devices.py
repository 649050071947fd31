"""The long tail older scripts and GPU-ready scripts touch, on a CPU-only machine:
cudnn/mps/mkldnn flags, torch.cuda and torch.accelerator queries, DataParallel, Variable,
.data and .type(), tensors used as indices, pickling, multiprocessing.spawn, and the
mixed-precision recipe (autocast and GradScaler, which disable themselves without CUDA)."""
import io
import pickle

import torch
import torch.backends.cudnn as cudnn
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.parallel
from torch.autograd import Variable


def worker(rank, shared):
    shared[rank] = (rank + 1) * 10.0


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return F.log_softmax(self.fc(x), dim=1)


if __name__ == "__main__":
    cudnn.benchmark = True
    cudnn.deterministic = True
    torch.backends.cudnn.enabled = True
    print("cudnn", torch.backends.cudnn.is_available(), torch.backends.cudnn.version(),
          cudnn.benchmark)
    print("mps", torch.backends.mps.is_available(), torch.backends.mps.is_built())
    print("mkldnn", torch.backends.mkldnn.is_available())
    print("cuda", torch.cuda.is_available(), torch.cuda.device_count(),
          torch.cuda.memory_allocated(), torch.cuda.is_initialized())
    torch.cuda.manual_seed(1)
    torch.cuda.manual_seed_all(1)
    torch.cuda.empty_cache()
    try:
        torch.cuda.get_device_name(0)
    except AssertionError as exc:
        print("get_device_name:", type(exc).__name__)
    print("accelerator", torch.accelerator.is_available(),
          torch.accelerator.current_accelerator())
    use_cuda = torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    torch.manual_seed(0)
    model = Net()
    if torch.cuda.device_count() > 1:
        model = nn.DataParallel(model)
    model = nn.DataParallel(model).to(device)
    x = Variable(torch.randn(8, 4))
    y = Variable(torch.randint(0, 2, (8,)))
    out = model(x)
    loss = F.nll_loss(out, y)
    loss.backward()
    print("DataParallel keys", list(model.state_dict().keys()))
    print("isinstance Variable", isinstance(loss, Variable), "loss is 0-d", loss.dim() == 0)
    print("data", loss.data.requires_grad, loss.data.item() == loss.item())
    w = Variable(torch.ones(3), requires_grad=True)
    w.data.mul_(2)
    w.data = torch.full((3,), 5.0)
    print("w", w.tolist(), w.requires_grad, w.type(), w.type(torch.LongTensor).dtype,
          w.type("torch.DoubleTensor").dtype)
    idx = torch.tensor(2)
    print("index", [10, 20, 30][idx], list(range(idx)), int(torch.tensor([7.9])),
          float(torch.tensor([[0.5]])), "%d items" % torch.tensor(3))
    out2 = torch.nn.parallel.data_parallel(model.module, x)
    print("data_parallel agrees", torch.equal(out2, out))
    buf = io.BytesIO()
    pickle.dump(model, buf)
    clone = pickle.loads(buf.getvalue())
    print("pickled class", type(clone.module).__name__, type(clone).__module__,
          torch.equal(clone(x), out))
    use_amp = True
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            amp_loss = F.nll_loss(model(x), y)
        scaler.scale(amp_loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
    print("amp", scaler.is_enabled(), amp_loss.dtype, torch.finfo(amp_loss.dtype).bits)
    shared = torch.zeros(3)
    shared.share_memory_()
    mp.spawn(worker, args=(shared,), nprocs=3)
    print("spawned workers wrote", shared.tolist(), shared.is_shared())
