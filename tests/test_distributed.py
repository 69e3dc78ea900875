"""`wsis-train` under `torchrun`: two processes on the CPU (gloo) train `cam` data-parallel on a tiny toy dataset (stopped, resumed,
skipped); `cl` (mask heads run in its forward), `cl-ss` (its items carry each box's superpixel straddling), `boxcaseg` and `bbtp`
(a custom batch sampler, cut by whole batches) train too;
a learner that declares `no_ddp` stops with its reason."""
import os, sys, json, math, hashlib, subprocess, textwrap
from pathlib import Path
import pytest, torch

# Run in each process by torchrun: `wsis_train` as the console script runs it, plus a fastai default callback that
# records what this process trained (its number of batches per epoch, the epochs, a hash of its final weights): the last
# fit in `rank<R>.json`, every fit in order in `rank<R>.fits.jsonl`. With `RUNS` (a json list of argument lists) one launch
# runs `wsis_train` once per list, each as its own command line, saving the launches' start-up time.
LAUNCH = textwrap.dedent('''
    import os, json, hashlib
    from pathlib import Path
    from fastai.learner import defaults
    from fastai.callback.core import Callback, CancelFitException
    from wsis_nb.distributed import unwrap

    def weights_hash(sd):
        h = hashlib.sha256()
        for k in sorted(sd): h.update(k.encode()); h.update(sd[k].detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()

    class Record(Callback):
        order = 90   # after `Checkpoint` (70) has written the epoch, and `DDPTrainer.after_fit` (11) unwrapped the model
        def before_fit(self): self.seen = {}
        def after_batch(self):
            if self.training: self.seen[self.epoch] = self.seen.get(self.epoch, 0)+1
        def after_epoch(self):
            if os.environ.get('STOP_AFTER') == str(self.epoch+1): raise CancelFitException()   # as a crash would stop the run
        def after_fit(self):
            out = Path(os.environ['RECORD_DIR'])/f"rank{os.environ['RANK']}.json"
            rec = dict(batches=self.seen, hash=weights_hash(self.model.state_dict()), model=type(unwrap(self.model)).__name__)
            out.write_text(json.dumps(rec))
            with open(out.with_suffix('.fits.jsonl'), 'a') as f: f.write(json.dumps(rec)+'\\n')

    defaults.callbacks = list(defaults.callbacks)+[Record]
    import sys
    from wsis_nb.apps.cli import wsis_train
    for args in json.loads(os.environ.get('RUNS', 'null')) or [sys.argv[1:]]:
        sys.argv[1:] = args; wsis_train()
''')

def weights_hash(sd):
    h = hashlib.sha256()
    for k in sorted(sd): h.update(k.encode()); h.update(sd[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()

def torchrun(script, *args, **env):
    "Two processes on the CPU running `script` with `args`; this checkout's `wsis_nb` first on their path"
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nnodes', '1', '--nproc_per_node', '2', str(script), *map(str, args)]
    path = os.pathsep.join([str(Path(__file__).resolve().parents[1])] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p])
    e = {**os.environ, 'PYTHONPATH':path, 'OMP_NUM_THREADS':'1', 'CUDA_VISIBLE_DEVICES':'', 'PYTHONWARNINGS':'ignore', **env}
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=900)

def launch(tmp, data, rec, *args, **env):
    return torchrun(tmp/'launch.py', 'cam', data, '--set', 'sz=64', '--set', 'bs=4', '--set', 'nf=8', *args, RECORD_DIR=str(rec), **env)

def records(rec):
    return [json.loads((rec/f'rank{r}.json').read_text()) for r in range(2)]

def fit_records(rec):
    "Per process, every fit it ran, in order"
    return [[json.loads(l) for l in (rec/f'rank{r}.fits.jsonl').read_text().splitlines()] for r in range(2)]

def test_two_processes_train_resume_and_skip(tmp_path):
    from wsis_nb.data.toy import make_toy
    from wsis_nb.checkpoints import load_checkpoint, read_checkpoint_info
    data = make_toy(tmp_path/'toy', n_train=8, n_valid=4, n_test=4, sz=64, n_cls=3)
    (tmp_path/'launch.py').write_text(LAUNCH)
    rec = tmp_path/'rec'; rec.mkdir()
    ck = data/'models'/'cam'/'cam.pth'

    # 1. two epochs asked, stopped after the first on both processes: one checkpoint, at epoch 1, unfinished
    r = launch(tmp_path, data, rec, '--epochs', '2', STOP_AFTER='1')
    assert r.returncode != 0 and 'run again to resume' in r.stderr, r.stderr[-3000:]
    info = read_checkpoint_info(ck)
    assert (info['epoch'], info['done']) == (0, False)
    a, b = records(rec)
    assert a['batches'] == b['batches'] == {'0': 1}          # 8 images, 2 processes, bs 4: one batch each, not two
    assert a['hash'] == b['hash']

    # 2. run again: both processes load the checkpoint and train only the second epoch
    for f in rec.iterdir(): f.unlink()
    r = launch(tmp_path, data, rec, '--epochs', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = records(rec)
    assert a['batches'] == b['batches'] == {'1': 1}
    assert a['hash'] == b['hash']                            # the same weights on both processes
    sd = load_checkpoint(ck)
    assert not any(k.startswith('module.') for k in sd['model'])   # the plain model's weights, not the DDP wrapper's
    assert weights_hash(sd['model']) == a['hash'] and sd['wsis_nb']['done']
    assert sorted(p.name for p in ck.parent.iterdir()) == ['cam.json', 'cam.pth', 'cam.stamp.json']   # one checkpoint, no temp files
    assert r.stdout.count('cam/cam: resuming from epoch 1/2') == 1 and [l.split()[1] for l in r.stdout.splitlines() if l.startswith('epoch ')] == ['2/2']   # one report, from the main process; no line for the epoch done before

    # 3. once more: the stage is current on both processes and nothing trains
    for f in rec.iterdir(): f.unlink()
    r = launch(tmp_path, data, rec, '--epochs', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('cam/cam: outputs current for these settings and inputs, skipped') == 1
    assert list(rec.iterdir()) == []

def test_two_processes_train_cl_boxcaseg_bbtp(tmp_path):
    "CL (its mask heads in the forward), BoxCaseg and BBTP (mixed batches dealt out whole) train data-parallel, each process its half"
    from wsis_nb.data.toy import make_toy
    from wsis_nb.data.salient import toy_salient
    from wsis_nb.checkpoints import load_checkpoint
    from wsis_nb.methods.boxcaseg import boxcaseg_dls
    data = make_toy(tmp_path/'toy', n_train=8, n_valid=4, n_test=4, sz=64, n_cls=3)
    sal = toy_salient(tmp_path/'sal', n_train=16, n_valid=2, sz=64)
    (tmp_path/'launch.py').write_text(LAUNCH)
    rec = tmp_path/'rec'; rec.mkdir()
    sets = lambda *kv: [a for x in kv for a in ('--set', x)]
    cl = ['cl', str(data), *sets('sz=64', 'nf=8', 'T=8', 'img_ch=8', 'seg_ch=8', 'n_mask=8', 'max_props=50', 'max_boxes=50', 'n_workers=1', 'joint.bs=2', 'joint.epochs=2')]
    box = sets('joint.sz=32', 'joint.nf=8', 'joint.hidden=8', 'joint.epochs=2', 'mrcnn.epochs=1', 'mrcnn.nf=8', 'mrcnn.fpn_ch=16', 'mrcnn.sz=64', 'mrcnn.bs=2')
    runs = [cl, ['cl-ss', *cl[1:]], ['boxcaseg', str(data), *box, *sets(f'joint.salient={sal}')], ['bbtp', str(data), *box]]
    r = torchrun(tmp_path/'launch.py', RECORD_DIR=str(rec), RUNS=json.dumps(runs))
    assert r.returncode == 0, r.stderr[-3000:]
    for m in ('cl', 'cl-ss', 'boxcaseg', 'bbtp'): assert r.stdout.count(f'{m}: finished') == 1, r.stdout[-3000:]
    a, b = fit_records(rec)
    assert [f['model'] for f in a] == [f['model'] for f in b] == ['CLNet', 'CLNet', 'BoxCasegNet', 'MaskRCNN', 'BoxCasegNet', 'MaskRCNN']
    for fa, fb in zip(a, b):
        assert fa['batches'] == fb['batches'] and fa['hash'] == fb['hash']   # the same steps and the same weights on both processes
    # each process its half of an epoch's batches: CL 8 images in batches of 2; BoxCaseg 16 salient crops, 7 a batch (3 batches:
    # 2 each, the first twice); BBTP 16 box crops a batch
    full = [len(boxcaseg_dls(data, str(sal), sz=32).train), len(boxcaseg_dls(data, None, sz=32).train)]
    assert full[0] == 3
    assert a[0]['batches'] == a[1]['batches'] == {'0': 2, '1': 2}
    assert a[2]['batches'] == {e: math.ceil(full[0]/2) for e in ('0', '1')} and a[4]['batches'] == {e: math.ceil(full[1]/2) for e in ('0', '1')}
    assert weights_hash(load_checkpoint(data/'models'/'cl'/'joint.pth')['model']) == a[0]['hash']   # the mask heads saved as trained
    assert weights_hash(load_checkpoint(data/'models'/'cl-ss'/'joint.pth')['model']) == a[1]['hash'] != a[0]['hash']   # the prior changed what it learnt
    assert weights_hash(load_checkpoint(data/'models'/'bbtp'/'joint.pth')['model']) == a[4]['hash']
    assert (data/'annotations'/'instances_train.boxcaseg.proxy.json').exists() and (data/'annotations'/'instances_train.bbtp.proxy.json').exists()

# A method whose learner declares that DDP cannot train it (`learn.no_ddp`, the reason), as a package's method may
NO_DDP = textwrap.dedent('''
    from torch import nn
    from fastai.learner import Learner
    from fastai.losses import BCEWithLogitsLossFlat
    from wsis_nb.data.core import label_dls
    from wsis_nb.engine.registry import Method, register_method
    from wsis_nb.engine.stages import train_stage
    from wsis_nb.apps.cli import wsis_train

    def build(n_cls): return nn.Sequential(nn.Conv2d(3, n_cls, 3, 2, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    def learner(dls):
        learn = Learner(dls, build(len(dls.vocab)), loss_func=BCEWithLogitsLossFlat())
        learn.no_ddp = 'its loss needs every image of the epoch at once'
        return learn
    register_method(Method('no-ddp', 'image labels', [train_stage('net', label_dls, learner, build, lambda learn, imgs: [])],
                           recipes={'quick':dict(sz=32, bs=4, epochs=1, lr=1e-2)}))
    wsis_train()
''')

def test_unsupported_method_stops_clearly(tmp_path):
    "A learner that sets `no_ddp` to a reason stops on every process with it, before training"
    from wsis_nb.data.toy import make_toy
    data = make_toy(tmp_path/'toy', n_train=8, n_valid=4, n_test=4, sz=64, n_cls=3)
    (tmp_path/'launch.py').write_text(NO_DDP)
    r = torchrun(tmp_path/'launch.py', 'no-ddp', data)
    assert r.returncode != 0
    msg = 'no-ddp/net: training on several processes (DDP) is not supported for this method yet: its loss needs every image of the epoch at once'
    assert r.stderr.count(msg) == 2, r.stderr[-3000:]      # both processes
    assert not (data/'models'/'no-ddp'/'net.pth').exists()
