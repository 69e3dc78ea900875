"`wsis-convert` of the installed package: in-process on the fixtures, and as a console script for its exit status."
import shutil, subprocess, sys, warnings
from pathlib import Path
import pytest
from wsis_nb.convert import wsis_convert
from wsis_nb.data.core import CocoFolder
from wsis_nb.data.coco import make_coco_fixture
from wsis_nb.data.salient import make_duts_fixture

def command(tmp_path):
    "`wsis-convert` if installed, else a script doing what the console-script wrapper pip writes does"
    if exe := shutil.which('wsis-convert'): return [exe]
    s = tmp_path/'wsis_convert_script.py'
    s.write_text('import sys\nfrom wsis_nb.convert import wsis_convert\nsys.exit(wsis_convert())\n')
    return [sys.executable, str(s)]

def run(tmp_path, *args):
    return subprocess.run([*command(tmp_path), *map(str, args)], capture_output=True, text=True, timeout=300)

def test_coco(tmp_path, capsys):
    fx = make_coco_fixture(tmp_path/'coco')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always'); r = wsis_convert('coco', fx, tmp_path/'out')
    assert [r['train'][k] for k in ('n_images', 'n_kept', 'n_bad_images', 'n_orphans', 'n_crowd')] == [6, 4, 2, 1, 1]
    assert r['val']['n_kept'] == 2
    assert any('convert_coco: skipped 3' in str(x.message) for x in w)
    out = capsys.readouterr().out
    assert 'kept' in out and out.splitlines()[1].split()[:3] == ['train', '6', '4'], out
    tr = CocoFolder(tmp_path/'out', 'train')
    assert tr.classes == ['person', 'car', 'toothbrush'] and len(tr) == 4
    assert sum(tr.difficult(i).sum().item() for i in range(len(tr))) == 1

def test_duts(tmp_path):
    fx = make_duts_fixture(tmp_path/'duts'/'DUTS-TR')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert wsis_convert('duts', fx, tmp_path/'single', single=True)['n_kept'] == 7
        assert wsis_convert('duts', fx, tmp_path/'all', limit=3)['n_kept'] == 3
    assert CocoFolder(tmp_path/'single').classes == ['object'] and len(CocoFolder(tmp_path/'all')) == 3

def test_voc(tmp_path):
    voc = pytest.importorskip('wsis_nb.data.voc')
    fx = voc.make_voc_fixture(tmp_path/'voc')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); r = wsis_convert('voc', fx, tmp_path/'out', sbd=fx)
    assert set(r) == {'trainaug', 'val'}
    assert all(len(CocoFolder(tmp_path/'out', s)) == r[s]['images'] for s in r)

def test_errors_in_python(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'): wsis_convert('coco', tmp_path/'nowhere', tmp_path/'x')
    with pytest.raises(ValueError, match='--sbd is for voc'): wsis_convert('duts', tmp_path, tmp_path/'x', sbd='s')

def test_missing_folder_exit(tmp_path):
    r = run(tmp_path, 'coco', tmp_path/'nowhere', tmp_path/'x')
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert r.stderr.strip().startswith('wsis-convert: error: convert_coco:') and 'nowhere' in r.stderr
    assert 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr

def test_bad_command_line_exit(tmp_path):
    r = run(tmp_path, 'coco', tmp_path, tmp_path/'x', '--single')
    assert r.returncode == 1 and '--single is for duts' in r.stderr and 'Traceback' not in r.stderr
    r = run(tmp_path, 'imagenet', tmp_path, tmp_path/'x')
    assert r.returncode == 2 and 'invalid choice' in r.stderr

def test_voc_trains_with_the_paper_recipe(tmp_path):
    "A converted VOC folder runs `wsis-train M DST --recipe paper` with the default splits (trainaug as train, val as valid), then `wsis-eval`"
    voc = pytest.importorskip('wsis_nb.data.voc')
    from wsis_nb.cli import wsis_train, wsis_eval
    fx = voc.make_voc_fixture(tmp_path/'voc')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); wsis_convert('voc', fx, tmp_path/'out', sbd=fx)
    tiny = ['arch=tiny', 'pretrained=False', 'nf=8', 'sz=64', 'bs=2', 'epochs=1', 'num_workers=0', 'scales=(1.0,)']
    wsis_train('cam', tmp_path/'out', recipe='paper', set=tiny)
    assert (tmp_path/'out'/'models'/'cam'/'cam.pth').exists()
    res = wsis_eval('cam', tmp_path/'out', split='val')
    assert {'mAP@0.25', 'mAP@0.5', 'mAP@0.7', 'mAP@0.75', 'ABO'} <= set(res), res
    assert all(0 <= res[k] <= 1 for k in ('mAP@0.5', 'ABO'))
