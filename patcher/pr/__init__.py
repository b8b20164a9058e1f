"""Pull requests: fixes as branches, commits and GitHub pull requests."""
