SELECT
  "t37"."_period",
  "t37"."segment",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."created_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."created_at" >= "t37"."w_period_lo_t"
    )) AS "tickets_opened",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."created_at" < "t37"."w_to_date_hi_t"
    )
    AND COALESCE("t37"."is_open_at_end", FALSE)) AS "open_tickets",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."created_at" < "t37"."w_to_date_hi_t"
    )
    AND COALESCE("t37"."is_open_at_end" AND (
      "t37"."priority" = 'urgent'
    ), FALSE)) AS "urgent_open_tickets",
  QUANTILE_CONT("t37"."first_response_hours", 0.5) FILTER(WHERE
    (
      "t37"."first_response_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."first_response_at" >= "t37"."w_period_lo_t"
    )) AS "first_response_hours_median",
  QUANTILE_CONT("t37"."first_response_hours", 0.9) FILTER(WHERE
    (
      "t37"."first_response_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."first_response_at" >= "t37"."w_period_lo_t"
    )) AS "first_response_hours_p90",
  QUANTILE_CONT("t37"."resolution_hours", 0.5) FILTER(WHERE
    (
      "t37"."resolved_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."resolved_at" >= "t37"."w_period_lo_t"
    )) AS "resolution_hours_median",
  QUANTILE_CONT("t37"."resolution_hours", 0.9) FILTER(WHERE
    (
      "t37"."resolved_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."resolved_at" >= "t37"."w_period_lo_t"
    )) AS "resolution_hours_p90",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."created_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."created_at" >= "t37"."w_period_lo_t"
    )) AS "sla_tickets",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."created_at" < "t37"."w_period_hi_t"
    )
    AND (
      "t37"."created_at" >= "t37"."w_period_lo_t"
    )
    AND COALESCE("t37"."sla_breached", FALSE)) AS "sla_breaches"
FROM (
  SELECT
    "t36"."account_id",
    "t36"."created_at",
    "t36"."first_response_at",
    "t36"."resolved_at",
    "t36"."status",
    "t36"."satisfaction",
    "t36"."priority",
    "t36"."first_response_hours",
    "t36"."resolution_hours",
    "t36"."sla_target_hours",
    "t36"."account_id_right",
    "t36"."segment",
    "t36"."_period",
    "t36"."_end_t",
    "t36"."w_period_lo",
    "t36"."w_period_hi",
    "t36"."w_period_lo_t",
    "t36"."w_period_hi_t",
    "t36"."w_to_date_lo",
    "t36"."w_to_date_hi",
    "t36"."w_to_date_lo_t",
    "t36"."w_to_date_hi_t",
    CASE
      WHEN "t36"."resolved_at" IS NULL
      THEN NOT (
        COALESCE("t36"."status" IN ('solved', 'closed'), FALSE)
      )
      ELSE "t36"."resolved_at" >= "t36"."_end_t"
    END AS "is_open_at_end",
    CASE
      WHEN (
        "t36"."first_response_at" IS NOT NULL
      )
      AND (
        "t36"."first_response_at" < "t36"."_end_t"
      )
      THEN "t36"."first_response_hours" > "t36"."sla_target_hours"
      ELSE (
        CAST(DATE_DIFF('MILLISECOND', "t36"."created_at", "t36"."_end_t") AS DOUBLE) / 3600000
      ) > "t36"."sla_target_hours"
    END AS "sla_breached"
  FROM (
    SELECT
      "t17"."account_id",
      "t17"."created_at",
      "t17"."first_response_at",
      "t17"."resolved_at",
      "t17"."status",
      "t17"."satisfaction",
      "t17"."priority",
      "t17"."first_response_hours",
      "t17"."resolution_hours",
      "t17"."sla_target_hours",
      "t35"."account_id" AS "account_id_right",
      "t35"."segment",
      "t4"."_period",
      "t4"."_end_t",
      "t4"."w_period_lo",
      "t4"."w_period_hi",
      "t4"."w_period_lo_t",
      "t4"."w_period_hi_t",
      "t4"."w_to_date_lo",
      "t4"."w_to_date_hi",
      "t4"."w_to_date_lo_t",
      "t4"."w_to_date_hi_t"
    FROM (
      SELECT
        "t0"."account_id",
        "t0"."created_at",
        "t0"."first_response_at",
        "t0"."resolved_at",
        "t0"."status",
        "t0"."satisfaction",
        COALESCE("t0"."priority", 'normal') AS "priority",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."first_response_at") AS DOUBLE) / 3600000 AS "first_response_hours",
        CAST(DATE_DIFF('MILLISECOND', "t0"."created_at", "t0"."resolved_at") AS DOUBLE) / 3600000 AS "resolution_hours",
        CASE
          WHEN COALESCE("t0"."priority", 'normal') = 'urgent'
          THEN 1.0
          WHEN COALESCE("t0"."priority", 'normal') = 'high'
          THEN 4.0
          WHEN COALESCE("t0"."priority", 'normal') = 'low'
          THEN 24.0
          ELSE 8.0
        END AS "sla_target_hours"
      FROM "tickets" AS "t0"
    ) AS "t17"
    LEFT OUTER JOIN (
      SELECT
        "t33"."account_id",
        "t33"."segment"
      FROM (
        SELECT
          "t13"."account_id",
          "t8"."segment",
          "t8"."industry",
          "t8"."country",
          "t8"."owner",
          "t23"."plan",
          "t24"."product",
          "t32"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "accounts" AS "t2"
          ) AS "t5"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t3"."account_id"
            FROM "subscriptions" AS "t3"
          ) AS "t7"
        ) AS "t13"
        LEFT OUTER JOIN (
          SELECT
            "t2"."account_id",
            "t2"."segment",
            "t2"."industry",
            "t2"."country",
            "t2"."owner"
          FROM "accounts" AS "t2"
        ) AS "t8"
          ON "t13"."account_id" = "t8"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t18"."account_id",
            "t18"."plan"
          FROM (
            SELECT
              "t10"."account_id",
              "t10"."subscription_id",
              "t10"."valid_from",
              "t10"."valid_until",
              "t10"."mrr",
              "t10"."seats",
              "t10"."plan",
              "t10"."product",
              "t10"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t10"."account_id"
                ORDER BY "t10"."valid_from" DESC, "t10"."mrr" DESC, "t10"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t3"."plan" IS NOT NULL
            ) AS "t10"
          ) AS "t18"
          WHERE
            "t18"."_rank" = 0
        ) AS "t23"
          ON "t13"."account_id" = "t23"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t19"."account_id",
            "t19"."product"
          FROM (
            SELECT
              "t11"."account_id",
              "t11"."subscription_id",
              "t11"."valid_from",
              "t11"."valid_until",
              "t11"."mrr",
              "t11"."seats",
              "t11"."plan",
              "t11"."product",
              "t11"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t11"."account_id"
                ORDER BY "t11"."valid_from" DESC, "t11"."mrr" DESC, "t11"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t3"."account_id",
                "t3"."subscription_id",
                "t3"."valid_from",
                "t3"."valid_to" AS "valid_until",
                COALESCE("t3"."mrr", 0.0) AS "mrr",
                "t3"."seats",
                "t3"."plan",
                "t3"."product",
                "t3"."renewal_date"
              FROM "subscriptions" AS "t3"
              WHERE
                "t3"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t11"
          ) AS "t19"
          WHERE
            "t19"."_rank" = 0
        ) AS "t24"
          ON "t13"."account_id" = "t24"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t30"."account_id",
            DATE_TRUNC('MONTH', MIN("t30"."day")) AS "cohort"
          FROM (
            SELECT
              "t29"."account_id",
              "t29"."day",
              "t29"."kind",
              "t29"."amount"
            FROM (
              SELECT
                "t28"."account_id",
                "t28"."day",
                "t28"."delta",
                "t28"."cur",
                "t28"."prev",
                "t28"."paid",
                "t28"."paid_before",
                CASE
                  WHEN (
                    "t28"."prev" <= 0
                  )
                  AND (
                    "t28"."cur" > 0
                  )
                  AND (
                    "t28"."paid_before" > 0
                  )
                  THEN 'reactivation'
                  WHEN (
                    "t28"."prev" <= 0
                  ) AND (
                    "t28"."cur" > 0
                  )
                  THEN 'new'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" <= 0
                  )
                  THEN 'churn'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" > "t28"."prev"
                  )
                  THEN 'expansion'
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" < "t28"."prev"
                  )
                  THEN 'contraction'
                  ELSE CAST(NULL AS TEXT)
                END AS "kind",
                CASE
                  WHEN (
                    "t28"."prev" <= 0
                  ) AND (
                    "t28"."cur" > 0
                  )
                  THEN "t28"."cur"
                  WHEN (
                    "t28"."prev" > 0
                  ) AND (
                    "t28"."cur" <= 0
                  )
                  THEN "t28"."prev"
                  ELSE ABS("t28"."cur" - "t28"."prev")
                END AS "amount"
              FROM (
                SELECT
                  "t27"."account_id",
                  "t27"."day",
                  "t27"."delta",
                  "t27"."cur",
                  "t27"."prev",
                  "t27"."paid",
                  SUM("t27"."paid") OVER (
                    PARTITION BY "t27"."account_id"
                    ORDER BY "t27"."day" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                  ) - "t27"."paid" AS "paid_before"
                FROM (
                  SELECT
                    "t26"."account_id",
                    "t26"."day",
                    "t26"."delta",
                    "t26"."cur",
                    COALESCE(
                      LAG("t26"."cur") OVER (
                        PARTITION BY "t26"."account_id"
                        ORDER BY "t26"."day" ASC
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                      ),
                      0.0
                    ) AS "prev",
                    CASE WHEN "t26"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
                  FROM (
                    SELECT
                      "t25"."account_id",
                      "t25"."day",
                      "t25"."delta",
                      CASE WHEN ABS("t25"."cur") < 1e-06 THEN 0.0 ELSE "t25"."cur" END AS "cur"
                    FROM (
                      SELECT
                        "t20"."account_id",
                        "t20"."day",
                        "t20"."delta",
                        CAST(ROUND(
                          SUM("t20"."delta") OVER (
                            PARTITION BY "t20"."account_id"
                            ORDER BY "t20"."day" ASC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                          ),
                          6
                        ) AS DOUBLE) AS "cur"
                      FROM (
                        SELECT
                          "t16"."account_id",
                          "t16"."day",
                          SUM("t16"."delta") AS "delta"
                        FROM (
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_from" AS "day",
                              COALESCE("t3"."mrr", 0.0) AS "delta"
                            FROM "subscriptions" AS "t3"
                          ) AS "t12"
                          UNION ALL
                          SELECT
                            *
                          FROM (
                            SELECT
                              "t3"."account_id",
                              "t3"."valid_to" AS "day",
                              -(
                                COALESCE("t3"."mrr", 0.0)
                              ) AS "delta"
                            FROM "subscriptions" AS "t3"
                            WHERE
                              "t3"."valid_to" IS NOT NULL
                          ) AS "t14"
                        ) AS "t16"
                        GROUP BY
                          1,
                          2
                      ) AS "t20"
                    ) AS "t25"
                  ) AS "t26"
                ) AS "t27"
              ) AS "t28"
            ) AS "t29"
            WHERE
              "t29"."kind" IS NOT NULL
              AND "t29"."kind" = 'new'
              AND "t29"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t30"
          GROUP BY
            1
        ) AS "t32"
          ON "t13"."account_id" = "t32"."account_id"
      ) AS "t33"
    ) AS "t35"
      ON "t17"."account_id" = "t35"."account_id"
    CROSS JOIN "periods" AS "t4"
  ) AS "t36"
  WHERE
    (
      (
        "t36"."created_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."created_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      "t36"."created_at" < "t36"."w_to_date_hi_t"
    )
    OR (
      "t36"."created_at" < "t36"."w_to_date_hi_t"
    )
    OR (
      (
        "t36"."first_response_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."first_response_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      (
        "t36"."first_response_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."first_response_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      (
        "t36"."resolved_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."resolved_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      (
        "t36"."resolved_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."resolved_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      (
        "t36"."created_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."created_at" >= "t36"."w_period_lo_t"
      )
    )
    OR (
      (
        "t36"."created_at" < "t36"."w_period_hi_t"
      )
      AND (
        "t36"."created_at" >= "t36"."w_period_lo_t"
      )
    )
) AS "t37"
GROUP BY
  1,
  2
