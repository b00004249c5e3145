import { python } from './python.ts'

/**
 * Writes, with real torch and numpy, files shaped as SGLang's expert-distribution recorder and vLLM's
 * routed-experts capture write them, and returns what their logical per-layer counts must be
 * (computed in Python, independently of our readers).
 *
 * SGLang (python/sglang/srt/eplb/expert_distribution.py): `stat` dumps
 * `dict(rank, logical_count=[buffer, layers, logical], average_utilization_rate_over_window)`;
 * `per_pass`/`per_token` dump `dict(records=[dict(forward_pass_id, rank, gatherer_key, …)],
 * last_physical_to_logical_map=[layers, physical])`, per_token records carrying
 * `topk_ids_of_layer` `[layers, tokens, 8]` int32 of physical ids with -1 where nothing was written.
 * vLLM: `CompletionOutput.routed_experts` is a numpy array `[tokens, layers, top_k]`.
 */
export interface EngineDumps {
  /** file name → { layerIds: model layers kept, counts: [layers][experts] } */
  readonly [file: string]: { readonly layerIds: number[]; readonly counts: number[][]; readonly steps: number }
}

const SCRIPT = String.raw`
import sys, json, numpy as np, torch
d = sys.argv[1]
g = torch.Generator().manual_seed(7)
E, P, L = 16, 20, 4              # logical experts, physical slots (4 redundant), model layers (layer 0 dense)
out = {}

# physical -> logical map: slots 0..15 are experts 0..15, slots 16..19 replicate the hottest 4 of each layer
p2l = torch.zeros(L, P, dtype=torch.int64)
for l in range(L):
    p2l[l, :E] = torch.arange(E)
    p2l[l, E:] = torch.tensor([(l + i) % E for i in range(4)])

def logical_from_physical(phys):   # [L, P] -> [L, E]
    c = torch.zeros(L, E, dtype=torch.int64)
    c.scatter_add_(1, p2l, phys.to(torch.int64))
    return c

# stat: a circular buffer of 8 passes, 5 filled; layer 0 dense
buf = torch.zeros(8, L, E, dtype=torch.int32)
for s in range(5):
    buf[s, 1:] = torch.randint(0, 50, (L - 1, E), generator=g, dtype=torch.int32)
torch.save(dict(rank=0, logical_count=buf, average_utilization_rate_over_window=None), d + "/expert_distribution_recorder_stat.pt")
out["expert_distribution_recorder_stat.pt"] = dict(layerIds=[1, 2, 3], steps=5, counts=buf[:5, 1:].sum(0).tolist())

# per_pass: physical counts per pass
records, total = [], torch.zeros(L, E, dtype=torch.int64)
for i in range(3):
    phys = torch.zeros(L, P, dtype=torch.int32)
    phys[1:] = torch.randint(0, 30, (L - 1, P), generator=g, dtype=torch.int32)
    records.append(dict(forward_pass_id=100 + i, rank=0, gatherer_key="primary", global_physical_count=phys))
    total += logical_from_physical(phys)
torch.save(dict(records=records, last_physical_to_logical_map=p2l), d + "/expert_distribution_recorder_per_pass_0.pt")
out["expert_distribution_recorder_per_pass_0.pt"] = dict(layerIds=[1, 2, 3], steps=3, counts=total[1:].tolist())

# per_token: top-6 of physical slots, written into SGLang's [L, tokens, 8] buffer (-1 elsewhere)
records, total = [], torch.zeros(L, E, dtype=torch.int64)
for i, n in enumerate([5, 9]):
    ids = torch.full((L, n, 8), -1, dtype=torch.int32)
    for l in range(1, L):
        ids[l, :, :6] = torch.stack([torch.randperm(P, generator=g)[:6] for _ in range(n)]).to(torch.int32)
    phys = torch.zeros(L, P, dtype=torch.int64)
    m = ids.reshape(L, -1)
    phys.scatter_add_(1, m.masked_fill(m < 0, 0).long(), (m >= 0).long())
    total += logical_from_physical(phys)
    records.append(dict(forward_pass_id=i, rank=0, gatherer_key="primary", input_ids=list(range(n)), positions=list(range(n)),
                        extend_seq_lens=[n], forward_mode=1, topk_ids_of_layer=ids, misc_objects=[], global_physical_count=phys))
torch.save(dict(records=records, last_physical_to_logical_map=p2l), d + "/expert_distribution_recorder_per_token_0.pt")
out["expert_distribution_recorder_per_token_0.pt"] = dict(layerIds=[1, 2, 3], steps=1, counts=total[1:].tolist())

# vLLM: routed_experts [tokens, layers, top_k] (uint8 as its slot buffer narrows them), layer 0 dense (zeros)
T, K = 12, 2
re_ = np.zeros((T, L, K), dtype=np.uint8)
rng = np.random.default_rng(3)
for t in range(T):
    for l in range(1, L):
        re_[t, l] = rng.choice(E, K, replace=False)
np.save(d + "/routed_experts.npy", re_)
np.savez(d + "/vllm_request.npz", routed_experts=re_)
torch.save(torch.from_numpy(re_.astype(np.int64)), d + "/routed_experts.pt")
counts = [np.bincount(re_[:, l].ravel(), minlength=E).tolist() for l in range(L)]
out["routed_experts.npy"] = dict(layerIds=[0, 1, 2, 3], steps=1, counts=counts)
out["vllm_request.npz"] = out["routed_experts.npy"]
out["routed_experts.pt"] = out["routed_experts.npy"]
print(json.dumps(out))
`

/** Writes the dumps into `dir` and returns their expected counts. */
export function writeEngineDumps(dir: string): EngineDumps {
  return JSON.parse(python(SCRIPT, [dir])) as EngineDumps
}
