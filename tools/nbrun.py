"""Run a notebook's code cells as one script, as `nbdev-test` would with `--flags FLAGS`, where nbdev is not installed
(the device machine): `python tools/nbrun.py NB.ipynb [FLAG ...]`. Cells flagged with a test flag not in FLAGS are
skipped; directive lines (`#|`) and magics are dropped; cells run in order in one namespace and the first error stops
the run (exit code 1)."""
import json, sys, re, traceback, time
from pathlib import Path

TEST_FLAGS = {'slow', 'cuda', 'data'}

def cells(nb, flags):
    for c in json.loads(Path(nb).read_text())['cells']:
        if c['cell_type']!='code': continue
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        lines = src.split('\n')
        dirs = {w for l in lines if l.startswith('#|') for w in re.split(r'[\s,]+', l[2:].strip()) if w}
        if (dirs & TEST_FLAGS) - set(flags) or dirs & {'eval: false', 'skip_exec'}: continue
        if any(l.strip().startswith('#| eval: false') for l in lines): continue
        yield c.get('id', ''), '\n'.join(l for l in lines if not l.startswith('#|') and not l.lstrip().startswith(('%', '!')))

def stub_nbdev():
    "Where nbdev is not installed, a stand-in whose `show_doc` does nothing (the docs are not rendered here)"
    try: import nbdev; return
    except ImportError: pass
    import types
    m = types.ModuleType('nbdev'); sd = types.ModuleType('nbdev.showdoc'); sd.show_doc = m.show_doc = lambda *a, **k: None
    m.showdoc = sd; sys.modules['nbdev'] = m; sys.modules['nbdev.showdoc'] = sd

if __name__=='__main__':
    nb, flags = sys.argv[1], sys.argv[2:]
    stub_nbdev()
    ns = {'__name__': '__main__'}
    for cid, src in cells(nb, flags):
        t = time.time()
        try: exec(compile(src, f'{Path(nb).name}:{cid}', 'exec'), ns)
        except Exception:
            traceback.print_exc(); print(f'FAILED in cell {cid}'); sys.exit(1)
        print(f'[cell {cid}: {time.time()-t:.1f} s]', flush=True)
    print(f'{nb}: all cells ran')
