"""Exports the small real-world ONNX models that tests/Avalon.Onnx.Tests checks Avalon's importer against.

Run with Debian's python3 (torch 1.13, python3-onnx):  /usr/bin/python3 tests/reference/onnx/export_models.py
Each model is written in ONNX's backend-test layout under tests/Avalon.Onnx.Tests/Data/RealModels/<name>/:
model.onnx (random weights, opset 17, dynamic batch) and test_data_set_0 (batch 2) and test_data_set_1
(batch 3) with PyTorch's outputs in eval mode.
"""
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Avalon.Onnx.Tests", "Data", "RealModels")


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.block1 = Residual(8)
        self.block2 = Residual(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.pool(torch.relu(self.stem(x)))
        x = self.block2(self.block1(x))
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class DepthwiseSeparable(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.pw = nn.Conv2d(4, 16, 1)
        self.bn = nn.BatchNorm2d(16)
        self.dw2 = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16)
        self.pw2 = nn.Conv2d(16, 8, 1)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = nn.functional.relu6(self.bn(self.pw(self.dw(x))))
        x = nn.functional.hardswish(self.pw2(self.dw2(x)))
        return self.head(x.mean(dim=(2, 3)))


class LstmLanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 12, num_layers=2, batch_first=True)
        self.out = nn.Linear(12, 20)

    def forward(self, tokens):
        y, _ = self.lstm(self.embed(tokens))
        return torch.log_softmax(self.out(y), dim=-1)


class GruTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 7, bidirectional=True, batch_first=True)
        self.out = nn.Linear(14, 4)

    def forward(self, x):
        y, _ = self.gru(x)
        return self.out(y)


class TransformerEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(30, 16)
        layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(16)
        self.cls = nn.Linear(16, 3)

    def forward(self, tokens):
        h = self.norm(self.encoder(self.embed(tokens)))
        return self.cls(h.mean(dim=1))


class VaeDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 8 * 4 * 4)
        self.up1 = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1)
        self.up2 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.conv = nn.Conv2d(6, 1, 3, padding=1)

    def forward(self, z):
        x = self.fc(z).reshape(-1, 8, 4, 4)
        x = torch.relu(self.up1(x))
        return torch.sigmoid(self.conv(self.up2(x)))


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 8))
        self.dec = VaeDecoder()

    def forward(self, x):
        stats = self.enc(x)
        mu, logvar = stats[:, :4], stats[:, 4:]
        return self.dec(mu), mu, logvar


def models():
    g = torch.Generator().manual_seed(0)
    yield "resnet", ResNet(), lambda b: (torch.randn(b, 3, 16, 16, generator=g),)
    yield "depthwise_separable", DepthwiseSeparable(), lambda b: (torch.randn(b, 4, 12, 12, generator=g),)
    yield "lstm_language_model", LstmLanguageModel(), lambda b: (torch.randint(0, 20, (b, 7), generator=g),)
    yield "gru_tagger", GruTagger(), lambda b: (torch.randn(b, 5, 6, generator=g),)
    yield "transformer_encoder", TransformerEncoder(), lambda b: (torch.randint(0, 30, (b, 6), generator=g),)
    yield "vae", Vae(), lambda b: (torch.randn(b, 1, 16, 16, generator=g),)


def main():
    torch.manual_seed(0)
    for name, model, make in models():
        model.eval()
        # Non-trivial BatchNorm statistics, so the running statistics matter.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        sample = make(2)
        with torch.no_grad():
            out = model(*sample)
        outputs = out if isinstance(out, tuple) else (out,)
        input_names = [f"input_{i}" for i in range(len(sample))]
        output_names = [f"output_{i}" for i in range(len(outputs))]
        dynamic = {n: {0: "batch"} for n in input_names + output_names}
        torch.onnx.export(model, sample, os.path.join(folder, "model.onnx"), opset_version=17,
                          input_names=input_names, output_names=output_names, dynamic_axes=dynamic)
        for k, batch in enumerate((2, 3)):
            data = os.path.join(folder, f"test_data_set_{k}")
            os.makedirs(data, exist_ok=True)
            inputs = sample if batch == 2 else make(batch)
            with torch.no_grad():
                out = model(*inputs)
            outs = out if isinstance(out, tuple) else (out,)
            for i, t in enumerate(inputs):
                with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
                    f.write(onnx.numpy_helper.from_array(t.numpy(), input_names[i]).SerializeToString())
            for i, t in enumerate(outs):
                with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
                    f.write(onnx.numpy_helper.from_array(t.numpy().astype(np.float32), output_names[i]).SerializeToString())
        print(name, os.path.getsize(os.path.join(folder, "model.onnx")), "bytes")


if __name__ == "__main__":
    main()
