//! duijie-server: the catalog service and the command line.
