"""Throughput of each method's `paper` recipe on toy-bench scenes at the paper's input size, on one GPU.

    python tools/bench_gpu.py DATA OUT.json [METHOD:STAGE ...]

For every training stage that needs only the dataset (the first stage of each method; later stages read pseudo labels),
build its DataLoaders and Learner from the `paper` recipe (random initialisation: no weights are downloaded), train
`--iters` iterations after a warm-up (validation skipped) in fp32 and in bf16 (fastai `to_bf16`), and record training
images per second and the peak GPU memory. Also times the batched dense CRF on the GPU; `--model_only M:S,...` times the
training step on one batch held on the GPU and the loader alone; `--sync M:S,...` counts the host-device synchronisations
per training step by source line (`torch.cuda.set_sync_debug_mode`). Results go to OUT.json as each finishes.
"""
import sys, time, json, argparse, traceback
from pathlib import Path
import numpy as np, torch
from fastai.callback.core import Callback, CancelFitException, CancelValidException
from fastai.torch_core import find_bs
from fastai.callback.fp16 import *
from wsis_nb.engine.registry import get_method, get_recipe, stage_view, call_with, load_methods, register_method, Method

def register_from_pyproject(fn=Path(__file__).parent.parent/'pyproject.toml'):
    "Register the methods `pyproject.toml` names, where the package is on the path but not installed (no entry points)"
    import tomllib, importlib
    for name,ref in tomllib.loads(Path(fn).read_text())['project']['entry-points']['wsis_nb.methods'].items():
        mod,attr = ref.split(':'); m = getattr(importlib.import_module(mod), attr)
        register_method(m if isinstance(m, Method) else m())

STAGES = ['cam:cam', 'prm:prm', 'bestie:classifier', 'oicr:joint', 'cl:joint', 'bbtp:joint', 'boxcaseg:joint', 'oracle:mrcnn']

def n_images(xb):
    "Images in a batch: a list of images (Mask R-CNN) or a batched tensor"
    return len(xb[0]) if isinstance(xb[0], (list, tuple)) else find_bs(xb)

class Timer(Callback):
    "Count training iterations; time `n` of them after `warm`, or until `max_s` seconds; skip validation"
    order = 99
    def __init__(self, warm=10, n=200, max_s=20.): self.warm,self.n,self.max_s,self.i,self.imgs = warm,n,max_s,0,0
    def before_validate(self): raise CancelValidException
    def after_batch(self):
        if not self.training: return
        self.i += 1
        if self.i==self.warm:
            torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); self.t = time.perf_counter(); self.imgs = 0
        elif self.i>self.warm:
            self.imgs += n_images(self.learn.xb)
            if self.i-self.warm>=self.n or (self.i % 5==0 and time.perf_counter()-self.t>self.max_s):
                torch.cuda.synchronize(); self.dt = time.perf_counter()-self.t; raise CancelFitException

def throughput(data, method, stage, precision, warm, n, max_s, sets):
    m = get_method(method); st = m.stage(stage)
    known = set(m.recipes['paper'])
    sets = {k:v for k,v in {**sets, 'pretrained': False, f'{stage}.pretrained': False}.items() if k in known or k.split('.')[-1] in known}
    rc = get_recipe(m, 'paper', sets)
    view = {**stage_view(rc, stage), 'train': 'train', 'valid': 'valid'}
    d = call_with(st.dls, Path(data), **view); learn = call_with(st.learner, d, **view)
    if precision=='bf16': learn.to_bf16()
    tm = Timer(warm, n, max_s); learn.fit(10_000, view.get('lr', 1e-3), cbs=[tm])
    return dict(method=method, stage=stage, precision=precision, arch=view.get('arch'), sz=view.get('sz'), bs=view.get('bs'),
                iters=tm.i-tm.warm, img_per_s=tm.imgs/tm.dt, ms_per_iter=1000*tm.dt/(tm.i-tm.warm),
                peak_gib=torch.cuda.max_memory_allocated()/2**30, device=torch.cuda.get_device_name())

def model_only(data, method, stage, precision, warm=5, n=30, sets=None):
    "The same training step on one batch held on the GPU: what the model alone sustains, without the data pipeline"
    from fastai.torch_core import to_device
    m = get_method(method); st = m.stage(stage)
    rc = get_recipe(m, 'paper', {'pretrained': False}); view = {**stage_view(rc, stage), 'train': 'train', 'valid': 'valid'}
    d = call_with(st.dls, Path(data), **view); learn = call_with(st.learner, d, **view)
    b = to_device(d.train.one_batch(), 'cuda'); xb,yb = b[:1],b[1:]
    learn.model.cuda(); learn.create_opt(); learn.model.train(); ctx = torch.autocast('cuda', dtype=torch.bfloat16, enabled=precision=='bf16')
    for i in range(warm+n):
        if i==warm: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); t = time.perf_counter()
        with ctx: loss = learn.loss_func(learn.model(*xb), *yb)
        loss.backward(); learn.opt.step(); learn.opt.zero_grad()
    torch.cuda.synchronize(); dt = time.perf_counter()-t
    return dict(method=method, stage=stage, precision=precision, model_only=True, sz=view.get('sz'), bs=len(xb[0]), img_per_s=n*len(xb[0])/dt,
                ms_per_iter=1000*dt/n, peak_gib=torch.cuda.max_memory_allocated()/2**30, device=torch.cuda.get_device_name())

def loader_only(data, method, stage, n=40):
    "Images per second the training DataLoader delivers to the GPU with no model"
    m = get_method(method); st = m.stage(stage)
    view = {**stage_view(get_recipe(m, 'paper', {'pretrained': False}), stage), 'train': 'train', 'valid': 'valid'}
    d = call_with(st.dls, Path(data), **view); k = imgs = 0; it = iter(d.train)
    while k<n:
        try: b = next(it)
        except StopIteration: it = iter(d.train); continue
        if k==3: torch.cuda.synchronize(); t = time.perf_counter(); imgs = 0
        imgs += n_images(b[:1]); k += 1
    torch.cuda.synchronize(); dt = time.perf_counter()-t
    return dict(method=method, stage=stage, loader_only=True, sz=view.get('sz'), img_per_s=imgs/dt, num_workers=getattr(d.train, 'num_workers', None))

def sync_check(data, method, stage, n=6, sets=None):
    "Where the training loop waits for the GPU: `n` steps under `torch.cuda.set_sync_debug_mode('warn')`, warnings counted by source line"
    import warnings, collections
    m = get_method(method); st = m.stage(stage)
    view = {**stage_view(get_recipe(m, 'paper', {'pretrained': False, **(sets or {})}), stage), 'train': 'train', 'valid': 'valid'}
    d = call_with(st.dls, Path(data), **view); learn = call_with(st.learner, d, **view)
    tm = Timer(2, n, 1e9); lines = collections.Counter()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always'); torch.cuda.set_sync_debug_mode('warn')
        try: learn.fit(10_000, view.get('lr', 1e-3), cbs=[tm])
        finally: torch.cuda.set_sync_debug_mode('default')
    for x in w:
        if 'synchroniz' in str(x.message): lines[f'{Path(x.filename).name}:{x.lineno}'] += 1
    return dict(method=method, stage=stage, steps=tm.i, syncs_per_step=sum(lines.values())/max(tm.i, 1), by_line=dict(lines.most_common(15)))

def crf_bench():
    import skimage.data
    from skimage.transform import resize
    from wsis_nb.blocks.crf import dense_crf
    names = ['coffee', 'chelsea', 'astronaut', 'coins', 'rocket', 'camera']; res = []
    for sz in (256, 512):
        ims = []
        for nm in names:
            im = getattr(skimage.data, nm)(); im = np.stack([im]*3, -1) if im.ndim==2 else im[..., :3]
            ims.append(resize(im, (sz, sz), preserve_range=True, anti_aliasing=True).round().clip(0, 255).astype(np.uint8))
        x = torch.tensor(np.stack(ims)).permute(0, 3, 1, 2).contiguous().cuda()
        p = torch.rand(len(ims), 3, sz, sz, device='cuda').softmax(1)
        for k,(xi,pi) in {'one image': (x[:1], p[:1]), f'batch of {len(ims)}': (x, p)}.items():
            dense_crf(xi, pi); torch.cuda.synchronize(); ts = []
            for _ in range(10):
                t = time.perf_counter(); dense_crf(xi, pi); torch.cuda.synchronize(); ts.append(time.perf_counter()-t)
            res.append(dict(sz=sz, what=k, ms=1000*min(ts), ms_per_image=1000*min(ts)/len(xi)))
    return res

if __name__=='__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('data'); ap.add_argument('out'); ap.add_argument('stages', nargs='*')
    ap.add_argument('--iters', type=int, default=200); ap.add_argument('--warm', type=int, default=10); ap.add_argument('--max_s', type=float, default=20.)
    ap.add_argument('--precisions', default='fp32,bf16'); ap.add_argument('--model_only', default='cam:cam,prm:prm'); ap.add_argument('--no_crf', action='store_true')
    ap.add_argument('--sync', default='', help='METHOD:STAGE,... to count host-device synchronisations per training step (no timing)')
    a = ap.parse_args()
    load_methods(); register_from_pyproject(); out = {'runs': [], 'errors': {}}
    sets = {'joint.salient': str(Path(a.data).parent/'toy-salient')}
    if not a.no_crf:
        try: out['crf'] = crf_bench()
        except Exception as e: out['errors']['crf'] = traceback.format_exc()
    for s in filter(None, a.sync.split(',')):
        try:
            r = sync_check(a.data, *s.split(':')); out.setdefault('sync', []).append(r)
            print(f"{s}: {r['syncs_per_step']:.1f} synchronisations per step; {r['by_line']}", flush=True)
        except Exception as e: out['errors'][f'{s}:sync'] = traceback.format_exc(); print(f'{s} sync: FAILED {e!r}', flush=True)
    for s in filter(None, a.model_only.split(',')):
        try:
            r = loader_only(a.data, *s.split(':')); out['runs'].append(r); print(f"{s} loader only: {r['img_per_s']:.1f} img/s ({r['num_workers']} workers)", flush=True)
        except Exception as e: out['errors'][f'{s}:loader_only'] = traceback.format_exc(); print(f'{s} loader only: FAILED {e!r}', flush=True)
        for prec in a.precisions.split(','):
            try:
                r = model_only(a.data, *s.split(':'), prec); out['runs'].append(r)
                print(f"{s} {prec} model only: {r['img_per_s']:.1f} img/s, {r['ms_per_iter']:.0f} ms/iter, peak {r['peak_gib']:.2f} GiB", flush=True)
            except Exception as e: out['errors'][f'{s}:{prec}:model_only'] = traceback.format_exc(); print(f'{s} {prec} model only: FAILED {e!r}', flush=True)
            torch.cuda.empty_cache()
    for s in a.stages or STAGES:
        for prec in a.precisions.split(','):
            method,stage = s.split(':')
            try:
                r = throughput(a.data, method, stage, prec, a.warm, a.iters, a.max_s, sets); out['runs'].append(r)
                print(f"{method:9} {stage:11} {prec} {r['arch']} sz {r['sz']} bs {r['bs']}: {r['img_per_s']:.1f} img/s, {r['ms_per_iter']:.0f} ms/iter, peak {r['peak_gib']:.2f} GiB ({r['iters']} iters)", flush=True)
            except Exception as e:
                out['errors'][f'{s}:{prec}'] = traceback.format_exc(); print(f'{s} {prec}: FAILED {e!r}', flush=True)
            torch.cuda.empty_cache()
            Path(a.out).write_text(json.dumps(out, indent=1, default=str))
