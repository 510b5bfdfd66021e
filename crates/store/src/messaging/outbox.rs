//! The outbox as the sending worker sees it: claims with leases, results, retries, dead letters.
