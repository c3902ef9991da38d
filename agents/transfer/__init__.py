"""What is learned across tasks and served to a new one: the greedy portfolio
(:mod:`.portfolio`), its adaptive form (:mod:`.adaptive`), the folds that keep families of
near-duplicate tasks together (:mod:`.folds`), and the one resolver of "which learned file
for this task, and did it see the task" (:mod:`.files`, :func:`.folds.flag_saw_task`).

It sits below the agents that use it (the portfolio baselines, the prior, the rppo tuner),
so none of them imports another to find its files. :mod:`agents.prior` makes the weights.
"""
