"""Round trips of the PostgreSQL store per committed transaction, from
the IDPROVER_STORE_TRACE=1 lines the programs log ("store: round trip N:
what it carried", "store: read ahead: WHAT", then "store: N round trips"
at the commit).

Usage: roundtrips.py LOG...   prints "kind worst count" per program, and
per variant of a program that its statements (s19 ... : lib/store/
pgint.h's enum stmt) or marks tell apart a line of its own:
  challenge-sms-send           the outbox's insert (s19) with the nonce
  challenge-sms-send-platform  ... for an account bound to a platform (the
                               platforms read with their windows, s63)
  finalize-reuse               the order reused another's proof (its
                               proof read with it: mark "proof")
  new-order-platform           by an account bound to a platform (the
                               platform read, s56)
  new-order-replaces           replaces a certificate (its serial, s62)
  new-order-replaces-platform  ... by an account bound to a platform
  revoke-cert-holder           by an account that holds the number (its
                               orders walked, s11)"""
import collections
import re
import sys

LINE = re.compile(r'([\w-]+)\[(\d+)\]: info: store: '
                  r'(?:round trip \d+:(.*)|(\d+) round trips|'
                  r'read ahead: (\w+))')

VARIANTS = [
    ("challenge", "challenge-sms-send", {"s19", "s17"}),
    ("challenge", "challenge-sms-send-platform", {"s19", "s17", "s63"}),
    ("finalize", "finalize-reuse", {"+proof"}),
    ("new-order", "new-order-platform", {"s56"}),
    ("new-order", "new-order-replaces", {"s62"}),
    ("new-order", "new-order-replaces-platform", {"s62", "s56"}),
    ("revoke-cert", "revoke-cert-holder", {"s11"}),
]


def transactions(paths):
    """(program, round trips, statements and marks) of each committed
    one."""
    open_txn = collections.defaultdict(list)
    marks = collections.defaultdict(set)
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.search(line)
                if not m:
                    continue
                prog, pid = m.group(1), m.group(2)
                if m.group(5) is not None:
                    marks[pid].add("+" + m.group(5))
                    continue
                if m.group(3) is not None:
                    open_txn[pid].append(m.group(3).split())
                    continue
                n = int(m.group(4))
                stmts = {s for trip in open_txn[pid][-n:] for s in trip}
                stmts |= marks.pop(pid, set())
                open_txn[pid] = []
                yield prog, n, stmts


def main():
    worst = {}
    count = collections.Counter()
    for prog, n, stmts in transactions(sys.argv[1:]):
        kinds = [prog] + [k for p, k, need in VARIANTS
                          if p == prog and need <= stmts]
        for k in kinds:
            worst[k] = max(worst.get(k, 0), n)
            count[k] += 1
    for k in sorted(worst):
        print(k, worst[k], count[k])


if __name__ == "__main__":
    main()
