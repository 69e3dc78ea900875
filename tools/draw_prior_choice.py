"Draw `show_prior_choice` for a trained `oicr-ss` on toy-bench `valid` scenes into nbs/images/, and print how often each choice hits an object"
import sys, torch, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
from pathlib import Path
from torchvision.ops import box_iou
from wsis_nb.engine.predictor import load_predictor
from wsis_nb.data.core import CocoFolder
from wsis_nb.blocks.proposals import ProposalCache
from wsis_nb.methods.oicr import image_boxes, prior_choice, show_prior_choice

data = Path(sys.argv[1]); run = sys.argv[2] if len(sys.argv)>2 else 'oicr-ss'; out = Path(sys.argv[3]) if len(sys.argv)>3 else Path('nbs/images/oicr_ss_prior.jpg')
torch.set_num_threads(1)
pred = load_predictor(data/'models'/run/'prediction.pth'); st = pred.settings
kw = dict(ss_scales=tuple(st['ss_scales']), ss_test=st['ss_test'])
f = CocoFolder(data, 'valid'); pc = ProposalCache(data, 'valid')
n = hs = hp = changed = 0; shown = []
for i in range(len(f)):
    img, g = f.load_img(i), f.instances(i); b = image_boxes([pc[i]], st['max_boxes'], st['min_box'])[0]
    c = prior_choice(pred, img, b, f.multi_hot(i), **kw)
    for k,cl in enumerate(c['classes']):
        gb = g.boxes[g.labels==cl].float(); n += 1
        s_hit = bool(box_iou(b[c['by_score'][k]][None].float(), gb).max()>=.5); p_hit = bool(box_iou(b[c['by_prior'][k]][None].float(), gb).max()>=.5)
        hs += s_hit; hp += p_hit; changed += int(c['by_score'][k]!=c['by_prior'][k])
        if not s_hit and p_hit and i not in shown and len(shown)<4: shown.append(i)
print(f"{run} on valid, {n} labelled classes: the prior changes the top proposal for {changed/n:.2f}; "
      f"it hits an object at IoU 0.5 for {hs/n:.2f} (score alone) and {hp/n:.2f} (score x prior); scenes drawn: {shown}")
_,axs = plt.subplots(1, len(shown), figsize=(2.6*len(shown), 2.9))
for ax,i in zip(axs, shown):
    show_prior_choice(pred, f.load_img(i), image_boxes([pc[i]], st['max_boxes'], st['min_box'])[0], f.multi_hot(i), classes=f.classes, ax=ax, **kw)
    ax.set_title(f'valid scene {i}', fontsize=8)
plt.tight_layout(); plt.savefig(out, dpi=80, pil_kwargs={'quality':85}); print('wrote', out)
