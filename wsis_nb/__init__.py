__version__ = "0.0.1"

# fastai calls `torch.jit.script` at import, and torch >= 2.10 answers every call with a FutureWarning that is not ours to fix.
# Silenced here, in the package's first module, so any `import wsis_nb...` (notebooks, scripts, the commands) is quiet; only that one warning.
import warnings as _w
_w.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning, module=r'torch\.jit')
del _w
