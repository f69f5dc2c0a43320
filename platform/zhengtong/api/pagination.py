"""Lists page like the portal's HTML lists (25 a page), so both show the same slices."""
from rest_framework.pagination import PageNumberPagination


class UnitPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
