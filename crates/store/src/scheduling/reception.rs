//! Storage for scheduling's reception (owned by the reception work).
