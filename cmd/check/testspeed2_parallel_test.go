package check_test

// checkParallel is how many of this package's tests run at once when `go
// test` is not given -parallel (its default, GOMAXPROCS, is 2 on the
// 2-core machines the suite runs on). Most of them wait: for a receiver
// that never answers (a 6 s request timeout), one that sleeps past the
// deadline, npm or go build for an example receiver, check's --effect-wait.
// One at a time (then two) the package took 75-110 s of wall time for
// ~40 s of CPU. The two RSS tests (bursts of 2,000 and 10,000 requests,
// most of the package's CPU) stay serial, before the others start: beside
// them, a check of a receiver that answers one request at a time saw one
// request alone take 1 s (load 20) and judged the burst unqueued
// (TestBrokenReceivers/one-at-a-time).
const checkParallel = 4
