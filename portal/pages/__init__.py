"""One module per page; importing a module registers its page with portal.layout."""
