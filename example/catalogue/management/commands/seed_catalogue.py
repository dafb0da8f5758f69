"""Fill the catalogue with reproducible sample products (idempotent: tops up to --count)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand

from example.catalogue.models import Product

ADJECTIVES = ["Compact", "Deluxe", "Classic", "Rugged", "Smart", "Eco", "Mini", "Pro", "Bright"]
NOUNS = {
    "garden": ["Hose", "Rake", "Planter", "Trowel", "Sprinkler"],
    "kitchen": ["Kettle", "Whisk", "Skillet", "Grater", "Toaster"],
    "office": ["Stapler", "Desk Lamp", "Notebook", "Monitor Arm", "Chair"],
    "tools": ["Hammer", "Drill", "Wrench", "Level", "Saw"],
    "toys": ["Kite", "Puzzle", "Robot", "Yo-yo", "Train Set"],
}


class Command(BaseCommand):
    help = "Create sample products until the catalogue holds --count of them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=3000)

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        existing = Product.objects.count()
        rng = random.Random(20260)
        categories = list(NOUNS)
        products = []
        for index in range(existing, count):
            category = categories[index % len(categories)]
            products.append(
                Product(
                    sku=f"SKU-{index + 1:05d}",
                    name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[category])}",
                    category=category,
                    price=Decimal(rng.randrange(199, 49999)) / 100,
                    stock=rng.randrange(0, 500),
                    active=rng.random() > 0.1,
                )
            )
        Product.objects.bulk_create(products, batch_size=500)
        self.stdout.write(f"catalogue: {Product.objects.count()} products")
