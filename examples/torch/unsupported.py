"""A model with an op cnncalc has no layer kind for (a running sum over channels), to show
what ``cnncalc import torch`` says about it."""

import torch
from torch import nn


class RunningSum(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return torch.cumsum(self.conv(x), dim=1)
