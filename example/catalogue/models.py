from django.db import models


class Product(models.Model):
    class Category(models.TextChoices):
        GARDEN = "garden", "Garden"
        KITCHEN = "kitchen", "Kitchen"
        OFFICE = "office", "Office"
        TOOLS = "tools", "Tools"
        TOYS = "toys", "Toys"

    sku = models.CharField("SKU", max_length=20, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("sku",)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
