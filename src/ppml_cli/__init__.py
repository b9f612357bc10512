"""ppml: a command-line explorer of privacy-preserving machine learning."""

__version__ = "0.1.0"
