"""Round trips of the PostgreSQL store per committed transaction, from
the IDPROVER_STORE_TRACE=1 lines the programs log ("store: round trip N:
what it carried", then "store: N round trips" at the commit).

Usage: roundtrips.py LOG...   prints "program worst count" per program,
and per kind of request that a statement marks (the SMS send: the
outbox's insert, s19 in lib/store/pgint.h's enum) a line of its own."""
import collections
import re
import sys

LINE = re.compile(r'([\w-]+)\[(\d+)\]: info: store: '
                  r'(?:round trip \d+:(.*)|(\d+) round trips)')


def transactions(paths):
    """(program, round trips, statements) of each committed one."""
    open_txn = collections.defaultdict(list)
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.search(line)
                if not m:
                    continue
                prog, pid = m.group(1), m.group(2)
                if m.group(3) is not None:
                    open_txn[pid].append(m.group(3).split())
                    continue
                n = int(m.group(4))
                stmts = [s for trip in open_txn[pid][-n:] for s in trip]
                open_txn[pid] = []
                yield prog, n, stmts


def main():
    worst = {}
    count = collections.Counter()
    for prog, n, stmts in transactions(sys.argv[1:]):
        kinds = [prog]
        if prog == "challenge" and "s19" in stmts and "s17" in stmts:
            kinds.append("challenge-sms-send")
        for k in kinds:
            worst[k] = max(worst.get(k, 0), n)
            count[k] += 1
    for k in sorted(worst):
        print(k, worst[k], count[k])


if __name__ == "__main__":
    main()
