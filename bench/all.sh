#!/bin/sh
# `npm run bench`: both hosts, one after the other. The host table (official Node, bench/bench.ts,
# written to bench/results.md), then the distribution's Node in the machine suite's booted Debian
# 12 machine (bench/machine/, written to bench/results-machine.md). The machine table runs even
# when the host table missed a target; the exit status is non-zero when either failed.
set -u
npm run --silent bench:host -- "$@"
host=$?
npm run --silent bench:machine
machine=$?
[ "$host" -eq 0 ] && [ "$machine" -eq 0 ]
