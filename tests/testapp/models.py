from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=200)
    pages = models.PositiveIntegerField(default=100)
    in_print = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title
