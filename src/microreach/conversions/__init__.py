"""Conversions: promo codes, orders reported by API or Shopify, and their attribution."""
