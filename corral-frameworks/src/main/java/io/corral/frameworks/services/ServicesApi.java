package io.corral.frameworks.services;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.ApiRequest;
import io.corral.frameworks.common.ApiResponse;
import io.corral.frameworks.common.Routes;
import java.util.List;
import java.util.Map;

/**
 * The Services REST API ({@code docs/services.md}): apps, their versions and deployments. Parses and validates
 * requests here (nothing reaches the scheduler half-checked); the scheduler decides on its loop.
 *
 * <p>Stateless apart from the framework it reaches; thread-safe.
 */
public final class ServicesApi {
    private final ServicesFramework framework;

    public ServicesApi(ServicesFramework framework) {
        this.framework = framework;
    }

    /** The routes, longer patterns first (ids contain slashes). */
    public Routes routes() {
        return new Routes()
                .get("/v1/apps", r -> ApiResponse.ok(Map.of("apps", scheduler().apps(r.caller()))))
                .post("/v1/apps", this::create)
                .post("/v1/apps/{id*}/scale", this::scale)
                .post("/v1/apps/{id*}/restart", r -> ApiResponse.ok(scheduler().restart(id(r), r.flag("force"),
                        r.caller())))
                .post("/v1/apps/{id*}/rollback", this::rollback)
                .get("/v1/apps/{id*}/versions", r -> ApiResponse.ok(Map.of("versions",
                        scheduler().versions(id(r), r.caller()))))
                .get("/v1/apps/{id*}", r -> ApiResponse.ok(scheduler().app(id(r), r.caller())))
                .put("/v1/apps/{id*}", r -> ApiResponse.ok(scheduler().update(id(r), r.jsonObject(),
                        r.flag("force"), r.caller())))
                .delete("/v1/apps/{id*}", r -> ApiResponse.accepted(scheduler().remove(id(r), r.caller())))
                .get("/v1/deployments", r -> ApiResponse.ok(Map.of("deployments",
                        scheduler().deployments(r.caller()))));
    }

    private ServicesScheduler scheduler() {
        return framework.current();
    }

    private static String id(ApiRequest request) {
        return AppIds.normalize(request.param("id"));
    }

    private ApiResponse create(ApiRequest request) {
        AppDefinition definition = AppValidator.parse(request.jsonObject(), null);
        Views.ChangeResult result = scheduler().create(definition, request.caller());
        return ApiResponse.created(result, "/v1/apps/" + result.id());
    }

    private ApiResponse scale(ApiRequest request) {
        JsonNode instances = request.jsonObject().get("instances");
        if (instances == null || !instances.isIntegralNumber() || instances.asLong() < 0
                || instances.asLong() > AppValidator.MAX_INSTANCES) {
            throw ApiException.invalid("scale", List.of(new ApiException.FieldError("instances",
                    "must be a whole number from 0 to " + AppValidator.MAX_INSTANCES)));
        }
        return ApiResponse.ok(scheduler().scale(id(request), instances.asInt(), request.flag("force"),
                request.caller()));
    }

    private ApiResponse rollback(ApiRequest request) {
        JsonNode version = request.jsonObject().get("version");
        if (version != null && !version.isNull() && (!version.isIntegralNumber() || version.asLong() < 1)) {
            throw ApiException.invalid("rollback", List.of(new ApiException.FieldError("version",
                    "must be a version number (see GET /v1/apps/{id}/versions)")));
        }
        Long target = version == null || version.isNull() ? null : version.asLong();
        return ApiResponse.ok(scheduler().rollback(id(request), target, request.flag("force"), request.caller()));
    }
}
