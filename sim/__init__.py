"""tthc-sim: discrete-event simulation of administrative-procedure dossiers in Quảng Ninh."""

__version__ = "0.1.0"
