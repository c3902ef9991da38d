#!/bin/bash
# hpo-rl tune's own time per evaluation (default agent, rppo-prior), this checkout against an
# older one, one run at a time, alternating. Usage, from the repository root:
#   bash benchmarks/results/tune_overhead/run.sh OLD_CHECKOUT OUT_DIR
# OLD_CHECKOUT: e.g. `git worktree add /tmp/old 1c18a03`. The old runs start from inside it:
# `python -m` puts the working directory first on sys.path, ahead of PYTHONPATH.
set -e
old=$(cd "$1" && pwd); out=$(mkdir -p "$2" && cd "$2" && pwd)
for task in wine breast_cancer; do
  for s in 0 1 2; do
    for v in old new; do
      rm -rf "$out/${v}_${task}_$s"
      args=(tune --task $task --budget 30 --seed $s --out "$out/${v}_${task}_$s" --no-refit --no-progress --no-tensorboard)
      if [ $v = old ]; then (cd "$old" && PYTHONPATH="$old" python -m benchmarks.cli "${args[@]}" > /dev/null 2>&1)
      else python -m benchmarks.cli "${args[@]}" > /dev/null 2>&1; fi
    done
  done
done
python - "$out" <<'PY'
import glob, json, statistics as st, sys, zipfile
for v in ("old", "new"):
    runs = sorted(glob.glob(f"{sys.argv[1]}/{v}_*/result.json"))
    rs = [json.load(open(p)) for p in runs]
    opt = sum("policy.optimizer.pth" in zipfile.ZipFile(p.replace("result.json", "checkpoint.zip")).namelist() for p in runs)
    print(f"{v}: {len(rs)} runs, median own s/eval {st.median(r['agent_overhead_s_per_eval'] for r in rs):.4f}, "
          f"mean wall {st.mean(r['wall_s'] for r in rs):.2f} s, optimizer saved in {opt}, best {[r['best_val'] for r in rs]}")
PY
