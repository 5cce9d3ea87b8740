"""Which GPU each run of a study trains on: `--cuda-devices 0,1 --runs-per-device N`."""

from typing import Dict, List, Optional, Sequence

from allennlp.common.checks import ConfigurationError


def parse_devices(text: Optional[str], where: str = "--cuda-devices") -> List[int]:
    """`"0,1"` as `[0, 1]` (`None` or `""`: no GPU); errors name `where` and the bad value."""
    if not text:
        return []
    try:
        devices = [int(part) for part in text.split(",")]
    except ValueError:
        raise ConfigurationError(
            f"{where} is a comma-separated list of GPU numbers (0,1), got {text!r}"
        ) from None
    if any(d < 0 for d in devices) or len(set(devices)) != len(devices):
        raise ConfigurationError(
            f"{where} must name distinct GPUs by their numbers (0,1), got {text!r}"
        )
    return devices


class DeviceSlots:
    """
    The GPUs a study's runs train on, each shared by at most `per_device` runs at once: `acquire`
    gives a run the device with the fewest runs (the first such in the list), `release` gives it
    back. Without devices, every run trains on the CPU (`acquire` gives `None`).

    # Parameters

    devices : `Sequence[int]`
        The CUDA device numbers (the trainer's `cuda_device`).
    per_device : `int`, optional (default = `1`)
        How many runs share one device at once (`--runs-per-device`; as memory allows).
    """

    def __init__(self, devices: Sequence[int] = (), per_device: int = 1) -> None:
        if per_device < 1:
            raise ConfigurationError(f"--runs-per-device must be at least 1, got {per_device}")
        self.devices = list(devices)
        self.per_device = per_device
        self.busy: Dict[int, int] = {device: 0 for device in self.devices}

    @property
    def capacity(self) -> int:
        """How many runs may train at once (0: no limit of the devices, CPU only)."""
        return len(self.devices) * self.per_device

    def acquire(self) -> Optional[int]:
        if not self.devices:
            return None
        device = min(self.devices, key=lambda d: (self.busy[d], self.devices.index(d)))
        if self.busy[device] >= self.per_device:
            raise RuntimeError(
                f"every device of {self.devices} already trains {self.per_device} run(s)"
            )
        self.busy[device] += 1
        return device

    def release(self, device: Optional[int]) -> None:
        if device is not None:
            self.busy[device] -= 1
