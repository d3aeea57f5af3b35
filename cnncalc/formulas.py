"""Output-size arithmetic of convolutions and pools, one pure function per rule.

Every layer unit calls these instead of writing its own arithmetic, so a formula is fixed in
exactly one place and can be read next to the source it implements. Functions work on one
spatial axis and plain integers; they raise ``ValueError`` with the numbers involved, which the
layer units turn into located user errors.
"""

from __future__ import annotations

import math

from .record import record


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Extent of a dilated kernel: ``dilation * (kernel - 1) + 1``.

    >>> effective_kernel(3, 2)
    5
    """
    return dilation * (kernel - 1) + 1


@record(frozen=True)
class AxisResult:
    """Output size of one axis, and how many input elements floor division left unread."""

    size: int
    dropped: int = 0


def conv_out(size: int, kernel: int, stride: int = 1, pad_before: int = 0,
             pad_after: int | None = None, dilation: int = 1) -> AxisResult:
    """Convolution output size, PyTorch's floor formula (``torch.nn.Conv2d`` docs).

    ``out = floor((in + pad_before + pad_after - dilation*(kernel-1) - 1) / stride + 1)``

    >>> conv_out(32, 5)
    AxisResult(size=28, dropped=0)
    >>> conv_out(227, 11, stride=4)
    AxisResult(size=55, dropped=0)
    >>> conv_out(224, 11, stride=4)      # AlexNet at 224: the last pixel is never covered
    AxisResult(size=54, dropped=1)
    >>> conv_out(3, 5)
    Traceback (most recent call last):
    ...
    ValueError: kernel 5 is larger than the padded input 3
    """
    pad_after = pad_before if pad_after is None else pad_after
    padded = size + pad_before + pad_after
    extent = effective_kernel(kernel, dilation)
    if extent > padded:
        what = f"dilated kernel {extent} (kernel {kernel}, dilation {dilation})" if dilation > 1 \
            else f"kernel {kernel}"
        raise ValueError(f"{what} is larger than the padded input {padded}")
    out = (padded - extent) // stride + 1
    dropped = padded - ((out - 1) * stride + extent)
    return AxisResult(out, dropped)


def pool_out(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1,
             ceil_mode: bool = False) -> AxisResult:
    """Pooling output size, PyTorch's rule including ``ceil_mode``.

    In ceil mode a last window that would start inside the right padding is dropped
    (``pooling_output_shape`` in ATen's ``Pool.h``).

    >>> pool_out(55, 3, 2)
    AxisResult(size=27, dropped=0)
    >>> pool_out(112, 3, 2, ceil_mode=True)     # SqueezeNet
    AxisResult(size=56, dropped=0)
    >>> pool_out(5, 2, 2)
    AxisResult(size=2, dropped=1)
    >>> pool_out(5, 2, 2, ceil_mode=True)
    AxisResult(size=3, dropped=0)

    In ceil mode PyTorch accepts a window up to ``stride - 1`` longer than the padded input
    (one partial window), as ATen computes the size before checking it:

    >>> pool_out(1, 2, 2, ceil_mode=True)
    AxisResult(size=1, dropped=0)
    >>> pool_out(1, 3, 2, ceil_mode=True)
    Traceback (most recent call last):
    ...
    ValueError: kernel 3 is larger than the padded input 1
    """
    if 2 * padding > kernel:
        raise ValueError(f"padding {padding} is more than half the kernel {kernel}")
    extent = effective_kernel(kernel, dilation)
    padded = size + 2 * padding
    span = padded - extent
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ValueError(f"kernel {extent} is larger than the padded input {padded}")
    dropped = max(0, padded - ((out - 1) * stride + extent))
    return AxisResult(out, dropped)


def conv_transpose_out(size: int, kernel: int, stride: int = 1, padding: int = 0,
                       output_padding: int = 0, dilation: int = 1) -> int:
    """Transposed convolution output size (``torch.nn.ConvTranspose2d`` docs).

    ``out = (in - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding + 1``

    >>> conv_transpose_out(14, 2, stride=2)
    28
    >>> conv_transpose_out(7, 3, stride=2, padding=1, output_padding=1)
    14
    """
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding {output_padding} must be smaller than stride "
                         f"{stride} or dilation {dilation}")
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out <= 0:
        raise ValueError(f"output size {out} is not positive")
    return out


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``padding='same'``: output ``ceil(in / stride)``; the odd pixel goes after.

    Returns ``(before, after)``. At stride 1 this equals PyTorch's ``padding='same'``.

    >>> same_padding(28, 5)
    (2, 2)
    >>> same_padding(224, 3, stride=2)    # asymmetric: TensorFlow pads one more at the end
    (0, 1)
    >>> same_padding(28, 4)
    (1, 2)
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def full_padding(kernel: int, dilation: int = 1) -> int:
    """``padding='full'``: every input element is covered by the same number of windows.

    >>> full_padding(3)
    2
    """
    return dilation * (kernel - 1)


def adaptive_windows(size: int, out: int) -> int:
    """Largest window adaptive pooling uses on one axis (for operation counts).

    PyTorch's window ``i`` spans ``floor(i*in/out)`` to ``ceil((i+1)*in/out)``.

    >>> adaptive_windows(7, 1)
    7
    >>> adaptive_windows(13, 6)       # windows 0-3, 2-5, 4-7, 6-9, 8-11, 10-13
    3
    >>> adaptive_windows(5, 3)        # windows 0-2, 1-4, 3-5 overlap
    3

    In closed form, so that ``out`` = 10^9 costs nothing: with ``size = q*out + r``, window
    ``i`` is ``q + ceil((a + r) / out)`` long where ``a = i*r mod out``; the ``a`` run over
    the multiples of ``g = gcd(r, out)`` up to ``out - g``, so the longest is ``q + 2`` when
    ``r > g``, ``q + 1`` when ``r == g`` and ``q`` when ``r == 0``.
    """
    q, r = divmod(size, out)
    if r == 0:
        return q
    return q + 2 if r > math.gcd(r, out) else q + 1
