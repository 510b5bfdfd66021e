//! Reception use-cases: running-late notices and the waiting-room display.
