"""The apps portfolio and an open app's pages."""
