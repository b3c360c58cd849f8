# Makes pytorch_lstm.safetensors: a 2-layer bidirectional nn.LSTM's weights (PyTorch names),
# an input batch of 3 sequences of lengths 5, 3, 1 (padded, packed for PyTorch), a fixed
# projection P, the output, and the gradients of sum(output * P) with respect to the input
# and every weight. tests/pytorch.rs checks that neurotext reproduces them to 1e-5.
# Run: ~/.ref-venv/bin/python make_pytorch_reference.py   (torch 2.15, safetensors 0.8)
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
I, H, B, T = 3, 4, 3, 5
lengths = torch.tensor([5, 3, 1])
lstm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
x = torch.randn(B, T, I)
for b, l in enumerate(lengths):
    x[b, l:] = 0.0
x.requires_grad_(True)
packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
out, _ = lstm(packed)
out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
proj = torch.randn(B, T, 2 * H)
(out * proj).sum().backward()

tensors = {name: p.detach().clone() for name, p in lstm.named_parameters()}
tensors.update({f"grad.{name}": p.grad.clone() for name, p in lstm.named_parameters()})
tensors["input"] = x.detach().clone()
tensors["lengths"] = lengths.to(torch.float32)
tensors["projection"] = proj
tensors["output"] = out.detach().clone()
tensors["grad.input"] = x.grad.clone()
save_file({k: v.contiguous() for k, v in tensors.items()}, "pytorch_lstm.safetensors")
print({k: tuple(v.shape) for k, v in tensors.items()})
