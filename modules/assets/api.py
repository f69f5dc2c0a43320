"""REST API of the asset cards (/api/assets/cards/): the same selectors and services as the
portal's pages, so the API can never see or do more than a page would."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from zhengtong.api.base import ModuleViewSet, VersionedUpdates, module_router
from zhengtong.api.serializers import QueryParameters, StrictCharField, StrictIntegerField, StrictModelSerializer

from . import selectors, services
from .models import Asset

EDITABLE_FIELDS = ("name", "category", "spec", "original_value", "acquired_on", "department", "location")


class AssetSerializer(serializers.ModelSerializer):
    custodian_name = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = ("id", "number", *EDITABLE_FIELDS, "status", "status_changed_on", "status_reason", "decision_number",
                  "custodian", "custodian_name", "version", "created_at", "updated_at")
        read_only_fields = fields

    def get_custodian_name(self, asset) -> str:
        return asset.custodian.get_full_name() if asset.custodian_id else ""


class AssetWriteSerializer(StrictModelSerializer):
    """What a caller may set: the fields of the portal's registration form."""

    class Meta:
        model = Asset
        fields = EDITABLE_FIELDS


class AssetUpdateSerializer(AssetWriteSerializer):
    # Like the edit form: send the version you read and a save on top of someone else's is
    # refused with 409 instead of silently overwriting it (optimistic locking). Required: an
    # update without it is refused with 428 before validation (VersionedUpdates).
    version = StrictIntegerField(min_value=1,
                                 help_text="The card's version as read (required); 409 if it has changed since")

    class Meta(AssetWriteSerializer.Meta):
        fields = (*EDITABLE_FIELDS, "version")


class AssetListFilter(QueryParameters):
    q = StrictCharField(required=False, allow_blank=True, max_length=100, default="",
                        help_text="Search in number, name, model and location")
    status = serializers.ChoiceField(choices=Asset.Status.choices, required=False, allow_blank=True, default="")


class AssetCardViewSet(VersionedUpdates, ModuleViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Asset cards (资产卡片) of this unit that the caller may see."""

    module_key = "assets"
    queryset = Asset.objects.none()  # names the model for permissions and the schema; reads use selectors
    serializer_class = AssetSerializer

    def get_serializer_class(self):
        if self.action == "create":
            return AssetWriteSerializer
        return AssetUpdateSerializer if self.action in ("update", "partial_update") else AssetSerializer

    def select_object(self, pk: int) -> Asset:
        return selectors.asset_get(user=self.request.user, pk=pk)

    @extend_schema(parameters=[AssetListFilter])
    def list(self, request, *args, **kwargs):
        filters = AssetListFilter.read(request)
        cards = selectors.asset_list(user=request.user, search=filters["q"].strip(), status=filters["status"])
        page = self.paginate_queryset(cards)
        return self.get_paginated_response(AssetSerializer(page, many=True).data)

    @extend_schema(responses={201: AssetSerializer})
    def create(self, request, *args, **kwargs):
        form = AssetWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        asset = services.asset_register(actor=request.user, **form.validated_data)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AssetSerializer})
    def update(self, request, *args, **kwargs):
        asset = self.get_object()
        self.require_version(request)
        form = AssetUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        expected_version = changes.pop("version")
        asset = services.asset_update(actor=request.user, asset=asset, expected_version=expected_version, **changes)
        return Response(AssetSerializer(asset).data)

    @extend_schema(responses={200: AssetSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


router = module_router()
router.register("cards", AssetCardViewSet, basename="card")
urlpatterns = router.urls
