WITH "t26" AS (
  SELECT
    "t25"."account_id",
    "t25"."day",
    "t25"."delta",
    "t25"."cur",
    "t25"."prev",
    "t25"."paid",
    "t25"."paid_before",
    CASE
      WHEN (
        "t25"."prev" <= 0
      )
      AND (
        "t25"."cur" > 0
      )
      AND (
        "t25"."paid_before" > 0
      )
      THEN 'reactivation'
      WHEN (
        "t25"."prev" <= 0
      ) AND (
        "t25"."cur" > 0
      )
      THEN 'new'
      WHEN (
        "t25"."prev" > 0
      ) AND (
        "t25"."cur" <= 0
      )
      THEN 'churn'
      WHEN (
        "t25"."prev" > 0
      ) AND (
        "t25"."cur" > "t25"."prev"
      )
      THEN 'expansion'
      WHEN (
        "t25"."prev" > 0
      ) AND (
        "t25"."cur" < "t25"."prev"
      )
      THEN 'contraction'
      ELSE CAST(NULL AS TEXT)
    END AS "kind",
    CASE
      WHEN (
        "t25"."prev" <= 0
      ) AND (
        "t25"."cur" > 0
      )
      THEN "t25"."cur"
      WHEN (
        "t25"."prev" > 0
      ) AND (
        "t25"."cur" <= 0
      )
      THEN "t25"."prev"
      ELSE ABS("t25"."cur" - "t25"."prev")
    END AS "amount"
  FROM (
    SELECT
      "t24"."account_id",
      "t24"."day",
      "t24"."delta",
      "t24"."cur",
      "t24"."prev",
      "t24"."paid",
      SUM("t24"."paid") OVER (
        PARTITION BY "t24"."account_id"
        ORDER BY "t24"."day" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) - "t24"."paid" AS "paid_before"
    FROM (
      SELECT
        "t23"."account_id",
        "t23"."day",
        "t23"."delta",
        "t23"."cur",
        COALESCE(
          LAG("t23"."cur") OVER (
            PARTITION BY "t23"."account_id"
            ORDER BY "t23"."day" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          ),
          0.0
        ) AS "prev",
        CASE WHEN "t23"."cur" > 0 THEN 1 ELSE 0 END AS "paid"
      FROM (
        SELECT
          "t22"."account_id",
          "t22"."day",
          "t22"."delta",
          CASE WHEN ABS("t22"."cur") < 1e-06 THEN 0.0 ELSE "t22"."cur" END AS "cur"
        FROM (
          SELECT
            "t17"."account_id",
            "t17"."day",
            "t17"."delta",
            CAST(ROUND(
              SUM("t17"."delta") OVER (
                PARTITION BY "t17"."account_id"
                ORDER BY "t17"."day" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ),
              6
            ) AS DOUBLE) AS "cur"
          FROM (
            SELECT
              "t14"."account_id",
              "t14"."day",
              SUM("t14"."delta") AS "delta"
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  "t2"."account_id",
                  "t2"."valid_from" AS "day",
                  COALESCE("t2"."mrr", 0.0) AS "delta"
                FROM "subscriptions" AS "t2"
              ) AS "t11"
              UNION ALL
              SELECT
                *
              FROM (
                SELECT
                  "t2"."account_id",
                  "t2"."valid_to" AS "day",
                  -(
                    COALESCE("t2"."mrr", 0.0)
                  ) AS "delta"
                FROM "subscriptions" AS "t2"
                WHERE
                  "t2"."valid_to" IS NOT NULL
              ) AS "t13"
            ) AS "t14"
            GROUP BY
              1,
              2
          ) AS "t17"
        ) AS "t22"
      ) AS "t23"
    ) AS "t24"
  ) AS "t25"
)
SELECT
  "t37"."_period",
  "t37"."segment",
  SUM("t37"."amount") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'new', FALSE)) AS "new_mrr",
  SUM("t37"."amount") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'expansion', FALSE)) AS "expansion_mrr",
  SUM("t37"."amount") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'contraction', FALSE)) AS "contraction_mrr",
  SUM("t37"."amount") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'churn', FALSE)) AS "churned_mrr",
  SUM("t37"."amount") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'reactivation', FALSE)) AS "reactivation_mrr",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'new', FALSE)) AS "new_movements",
  COUNT("t37"."account_id") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_period_hi"
    )
    AND (
      "t37"."day" >= "t37"."w_period_lo"
    )
    AND COALESCE("t37"."kind" = 'churn', FALSE)) AS "churn_movements",
  MIN("t37"."day") FILTER(WHERE
    (
      "t37"."day" <= "t37"."w_to_date_hi"
    )
    AND COALESCE("t37"."kind" = 'new', FALSE)) AS "first_paid_day"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t33"."account_id",
      "t33"."day",
      "t33"."kind",
      "t33"."amount",
      "t35"."account_id" AS "account_id_right",
      "t35"."segment",
      "t3"."_period",
      "t3"."_end_t",
      "t3"."w_period_lo",
      "t3"."w_period_hi",
      "t3"."w_period_lo_t",
      "t3"."w_period_hi_t",
      "t3"."w_to_date_lo",
      "t3"."w_to_date_hi",
      "t3"."w_to_date_lo_t",
      "t3"."w_to_date_hi_t"
    FROM (
      SELECT
        "t27"."account_id",
        "t27"."day",
        "t27"."kind",
        "t27"."amount"
      FROM "t26" AS "t27"
      WHERE
        "t27"."kind" IS NOT NULL
        AND (
          (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'expansion', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'contraction', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'reactivation', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'new', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND (
              "t27"."day" >= MAKE_DATE(2026, 5, 1)
            )
            AND COALESCE("t27"."kind" = 'churn', FALSE)
          )
          OR (
            (
              "t27"."day" <= MAKE_DATE(2026, 6, 30)
            )
            AND COALESCE("t27"."kind" = 'new', FALSE)
          )
        )
    ) AS "t33"
    LEFT OUTER JOIN (
      SELECT
        "t31"."account_id",
        "t31"."segment"
      FROM (
        SELECT
          "t12"."account_id",
          "t7"."segment",
          "t7"."industry",
          "t7"."country",
          "t7"."owner",
          "t20"."plan",
          "t21"."product",
          "t30"."cohort"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t1"."account_id"
            FROM "accounts" AS "t1"
          ) AS "t4"
          UNION
          SELECT
            *
          FROM (
            SELECT
              "t2"."account_id"
            FROM "subscriptions" AS "t2"
          ) AS "t6"
        ) AS "t12"
        LEFT OUTER JOIN (
          SELECT
            "t1"."account_id",
            "t1"."segment",
            "t1"."industry",
            "t1"."country",
            "t1"."owner"
          FROM "accounts" AS "t1"
        ) AS "t7"
          ON "t12"."account_id" = "t7"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t15"."account_id",
            "t15"."plan"
          FROM (
            SELECT
              "t9"."account_id",
              "t9"."subscription_id",
              "t9"."valid_from",
              "t9"."valid_until",
              "t9"."mrr",
              "t9"."seats",
              "t9"."plan",
              "t9"."product",
              "t9"."renewal_date",
              ROW_NUMBER() OVER (
                PARTITION BY "t9"."account_id"
                ORDER BY "t9"."valid_from" DESC, "t9"."mrr" DESC, "t9"."subscription_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rank"
            FROM (
              SELECT
                "t2"."account_id",
                "t2"."subscription_id",
                "t2"."valid_from",
                "t2"."valid_to" AS "valid_until",
                COALESCE("t2"."mrr", 0.0) AS "mrr",
                "t2"."seats",
                "t2"."plan",
                "t2"."product",
                "t2"."renewal_date"
              FROM "subscriptions" AS "t2"
              WHERE
                "t2"."valid_from" <= MAKE_DATE(2026, 6, 30) AND "t2"."plan" IS NOT NULL
            ) AS "t9"
          ) AS "t15"
          WHERE
            "t15"."_rank" = 0
        ) AS "t20"
          ON "t12"."account_id" = "t20"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t16"."account_id",
            "t16"."product"
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
                "t2"."account_id",
                "t2"."subscription_id",
                "t2"."valid_from",
                "t2"."valid_to" AS "valid_until",
                COALESCE("t2"."mrr", 0.0) AS "mrr",
                "t2"."seats",
                "t2"."plan",
                "t2"."product",
                "t2"."renewal_date"
              FROM "subscriptions" AS "t2"
              WHERE
                "t2"."valid_from" <= MAKE_DATE(2026, 6, 30)
            ) AS "t10"
          ) AS "t16"
          WHERE
            "t16"."_rank" = 0
        ) AS "t21"
          ON "t12"."account_id" = "t21"."account_id"
        LEFT OUTER JOIN (
          SELECT
            "t28"."account_id",
            DATE_TRUNC('MONTH', MIN("t28"."day")) AS "cohort"
          FROM (
            SELECT
              "t27"."account_id",
              "t27"."day",
              "t27"."kind",
              "t27"."amount"
            FROM "t26" AS "t27"
            WHERE
              "t27"."kind" IS NOT NULL
              AND "t27"."kind" = 'new'
              AND "t27"."day" <= MAKE_DATE(2026, 6, 30)
          ) AS "t28"
          GROUP BY
            1
        ) AS "t30"
          ON "t12"."account_id" = "t30"."account_id"
      ) AS "t31"
    ) AS "t35"
      ON "t33"."account_id" = "t35"."account_id"
    CROSS JOIN "periods" AS "t3"
  ) AS "t36"
  WHERE
    (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      (
        "t36"."day" <= "t36"."w_period_hi"
      )
      AND (
        "t36"."day" >= "t36"."w_period_lo"
      )
    )
    OR (
      "t36"."day" <= "t36"."w_to_date_hi"
    )
) AS "t37"
GROUP BY
  1,
  2
