//! Practice edits to the shipped message templates.
