"""FanXiu (返修通): return-repair handling for a factory's faulty products."""

__version__ = "0.1.0"
