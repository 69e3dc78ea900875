"""Train one CL variant (Table 2 / Table 3 of the CL paper) on toy-bench and score it on `test`.

    python tools/bench_cl.py DATA VARIANT OUT.json [--set KEY=VALUE ...]

VARIANT is one of `VARIANTS` below. Each variant is its own registered method (its own `models/<name>/`), trained with
the `quick` recipe plus the variant's changes; the proposals stage reuses the cache. Used by `nbs/90_bench.oicr.ipynb`
for the GPU runs (several variants at once, one process each).
"""
import sys, json, time, argparse
from pathlib import Path
import torch
from wsis_nb.data.core import CocoFolder
from wsis_nb.blocks.metrics import map_r, abo, corloc
from wsis_nb.engine.registry import Method, register_method, get_recipe, stage_view, used_keys, parse_sets
from wsis_nb.engine.predictor import load_predictor
from wsis_nb.engine.runner import run_method
from wsis_nb.methods.oicr import oicr_method
from wsis_nb.methods.community import cl_method_for

VARIANTS = {  # name: (base, changes)
    'oicr':        ('oicr', {}),                                          # detector + box regression, boxes as masks
    'oicr-noreg':  ('oicr', {'reg': False}),                              # Table 2: the detector alone
    'cl-img':      ('cl', {'with_seg': False, 'reg': False}),             # Table 2: + IMG
    'cl-img-is':   ('cl', {'reg': False}),                                # Table 2: + IMG + IS
    'cl':          ('cl', {}),                                            # Table 2: + IMG + IS + box regression (the method)
    'cl-nobg':     ('cl', {'bg': False}),                                 # Table 3: no background class
    'cl-nogap':    ('cl', {'gap_sigma': None}),                           # Table 3: plain GAP
    'cl-nosmooth': ('cl', {'smooth': False}),                             # Table 3: no log(1 + f)
}

def variant(name, sets=None):
    base,changes = VARIANTS[name]; changes = {**changes, **(sets or {})}
    if base=='cl': return register_method(cl_method_for(name, changes))
    return register_method(Method(name, oicr_method.supervision, oicr_method.stages,
                                  {r:{**v, **changes} for r,v in oicr_method.recipes.items()}, oicr_method.doc))

def score(m, data, split='test'):
    folder = CocoFolder(data, split); C = len(folder.classes)
    gts = [folder.instances(i) for i in range(len(folder))]
    p = load_predictor(Path(data)/'models'/m.name/f'{m.stages[-1].name}.pth'); st = m.predict_stage
    now = used_keys(stage_view(get_recipe(m, 'quick'), st.name), st.predict)
    t = time.time(); preds = p(folder, **now); secs = time.time()-t
    det,seg = map_r(preds, gts, n_cls=C, iou_type='bbox'),map_r(preds, gts, n_cls=C)
    stamps = {s.name: json.loads((Path(data)/'models'/m.name/f'{s.name}.stamp.json').read_text()).get('seconds') for s in m.stages}
    return {'box AP50': det['mAP@0.5'], 'box AP25': det['mAP@0.25'], 'CorLoc': corloc(preds, gts, n_cls=C)['CorLoc'],
            **{k:v for k,v in seg.items() if k.startswith('mAP')}, 'ABO': float(abo(preds, gts)['ABO']),
            'ms/img': 1000*secs/len(folder), 'train s': stamps, 'device': torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}

if __name__=='__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('data'); ap.add_argument('variant', choices=list(VARIANTS)); ap.add_argument('out')
    ap.add_argument('--set', action='append', default=None); a = ap.parse_args()
    m = variant(a.variant, parse_sets(a.set)); t = time.time()
    run_method(m, a.data, sets=parse_sets(a.set), log=lambda s: print(f'[{a.variant}] {s}', flush=True))
    res = {'variant': a.variant, 'changes': VARIANTS[a.variant][1], 'sets': parse_sets(a.set), 'wall s': time.time()-t, **score(m, a.data)}
    Path(a.out).write_text(json.dumps(res, indent=1, default=str)); print(json.dumps(res, default=str))
