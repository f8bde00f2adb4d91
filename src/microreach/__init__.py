"""microreach: find, work with and measure the micro-influencers who move an audience."""

__version__ = "0.1.0"
