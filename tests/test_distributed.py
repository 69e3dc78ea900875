"`wsis-train` under `torchrun`: two processes on the CPU (gloo) train `cam` data-parallel on a tiny toy dataset."
import os, sys, json, hashlib, subprocess, textwrap
from pathlib import Path
import pytest, torch

# Run in each process by torchrun: `wsis_train` as the console script runs it, plus a fastai default callback that
# records what this process trained (its number of batches per epoch, the epochs, a hash of its final weights).
LAUNCH = textwrap.dedent('''
    import os, json, hashlib
    from pathlib import Path
    from fastai.learner import defaults
    from fastai.callback.core import Callback, CancelFitException

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
            out.write_text(json.dumps(dict(batches=self.seen, hash=weights_hash(self.model.state_dict()))))

    defaults.callbacks = list(defaults.callbacks)+[Record]
    from wsis_nb.apps.cli import wsis_train
    wsis_train()
''')

def weights_hash(sd):
    h = hashlib.sha256()
    for k in sorted(sd): h.update(k.encode()); h.update(sd[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()

def launch(tmp, data, rec, *args, **env):
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nnodes', '1', '--nproc_per_node', '2', str(tmp/'launch.py'),
           'cam', str(data), '--set', 'sz=64', '--set', 'bs=4', '--set', 'nf=8', *args]
    e = {**os.environ, 'OMP_NUM_THREADS':'1', 'CUDA_VISIBLE_DEVICES':'', 'RECORD_DIR':str(rec), 'PYTHONWARNINGS':'ignore', **env}
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=900)

def records(rec):
    return [json.loads((rec/f'rank{r}.json').read_text()) for r in range(2)]

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

def test_unsupported_method_stops_clearly(tmp_path):
    "A method DDP cannot train (CL: its loss runs the mask heads outside the model's forward) stops on every process with the reason"
    from wsis_nb.data.toy import make_toy
    data = make_toy(tmp_path/'toy', n_train=8, n_valid=4, n_test=4, sz=64, n_cls=3)
    (tmp_path/'launch.py').write_text('from wsis_nb.apps.cli import wsis_train\nwsis_train()\n')
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nnodes', '1', '--nproc_per_node', '2', str(tmp_path/'launch.py'),
           'cl', str(data), '--set', 'sz=64', '--set', 'joint.bs=2', '--set', 'joint.epochs=1']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900,
                       env={**os.environ, 'OMP_NUM_THREADS':'1', 'CUDA_VISIBLE_DEVICES':'', 'PYTHONWARNINGS':'ignore'})
    assert r.returncode != 0
    assert 'cl/joint: training on several processes (DDP) is not supported for this method yet' in r.stderr, r.stderr[-3000:]
    assert not (data/'models'/'cl'/'joint.pth').exists()
