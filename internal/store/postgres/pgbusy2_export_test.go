package postgres

// LeaseWaitClass is the first key of a delivery's lease-wait lock, for a
// test to take that lock as a waiting renewal does.
const LeaseWaitClass = leaseWaitClass
