"""Photo-prediction benchmark: seconds per photo and peak memory of every registered method on six scikit-image photos.

Usage: python tools/bench_photos.py [--methods m1,m2] [--work DIR] [--epochs 1] [--train-only]

Each method's quick recipe is trained (or reused) for `--epochs` epochs on a tiny toy folder: the weights barely change the
cost of prediction (the number of peaks does a little), so untrained-looking weights are fine for timing. Each method then
predicts, in a subprocess of its own: the six photos resized to 500 px longest side (median s/photo), the photos at full
size (median s/photo), and, in a fresh subprocess, the 872x1000 `hubble_deep_field` alone (its peak RSS, MB).
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

PHOTOS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'immunohistochemistry', 'hubble_deep_field')   # RGB, 300-1000 px

def photos(longest=None):
    "The six photos as uint8 (3, H, W) tensors, optionally resized to `longest` px longest side"
    import torch, torch.nn.functional as F
    from skimage import data
    out = []
    for n in PHOTOS:
        t = torch.from_numpy(getattr(data, n)()[..., :3].copy()).permute(2,0,1).contiguous()
        if longest is not None:
            H,W = t.shape[-2:]; f = longest/max(H,W)
            t = F.interpolate(t[None].float(), size=(round(H*f), round(W*f)), mode='area')[0].round().clamp(0,255).byte()
        out.append(t)
    return out

def child(method, ckpt, mode):
    "Run in the subprocess: predict and print one json line of figures"
    import resource, statistics, torch
    from wsis_nb.apps.cli import method_predictor
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '2')))
    p = method_predictor(method, ckpt)
    kw = json.loads(os.environ.get('BENCH_OVERRIDES', '{}'))              # prediction settings to override, e.g. '{"work_size": null}' for the full-resolution baseline
    p([photos(128)[0]], progress=False)                                      # warm-up (imports, first call)
    if mode=='mem': ims = [photos()[PHOTOS.index('hubble_deep_field')]]
    else: ims = photos(500 if mode=='500' else None)
    ts = []
    for im in ims:
        t = time.time(); p([im], progress=False, **kw); ts.append(time.time()-t)
    print(json.dumps(dict(median_s=statistics.median(ts), times=ts, maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)))

def run_child(method, ckpt, mode):
    r = subprocess.run([sys.executable, __file__, '--child', method, str(ckpt), mode], capture_output=True, text=True)
    if r.returncode: return dict(error=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f'exit {r.returncode}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def methods():
    from wsis_nb.engine.registry import load_methods
    return sorted(load_methods())

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--methods', default=None, help='comma-separated methods (default: all of `wsis-train --list`)')
    ap.add_argument('--work', default='/tmp/bench_photos', help='folder of the toy dataset and checkpoints (reused)')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--set', action='append', default=[], help='extra KEY=VALUE settings of the training run')
    ap.add_argument('--train-only', action='store_true', help='train (or reuse) every checkpoint, time nothing: train on a busy machine, time on a quiet one')
    ap.add_argument('--child', nargs=3, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(*a.child)
    from wsis_nb.data.toy import make_toy
    from wsis_nb.apps.cli import default_ckpt
    work = Path(a.work); data = work/'toy'
    if not (data/'annotations').exists() and not any(data.glob('*.json')): make_toy(data, n_train=32, n_valid=8, n_test=4, sz=128)
    ms = a.methods.split(',') if a.methods else methods()
    print(f'{"method":16} {"s/photo 500px":>14} {"s/photo full":>13} {"peak MB 1000px":>15}')
    for m in ms:
        ck = default_ckpt(m, data)
        if not Path(ck).exists():
            cmd = ['wsis-train', m, str(data), '--epochs', str(a.epochs)] + sum((['--set', s] for s in a.set), [])
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode: print(f'{m:16} training failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}'); continue
        if a.train_only: print(f'{m:16} trained', flush=True); continue
        res = {k: run_child(m, ck, k) for k in ('500', 'full', 'mem')}
        err = [v['error'] for v in res.values() if 'error' in v]
        if err: print(f'{m:16} failed: {err[0]}'); continue
        print(f'{m:16} {res["500"]["median_s"]:14.2f} {res["full"]["median_s"]:13.2f} {res["mem"]["maxrss_mb"]:15.0f}', flush=True)

if __name__ == '__main__': main()
