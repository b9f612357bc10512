"""Audit a model for membership inference with IBM's Adversarial Robustness Toolbox (ART).

A black-box attack learns, from the model's outputs, to tell training rows
("members") from unseen rows. An overfitted model leaks more than a regularised
one. Synthetic data, CPU only, about ten seconds.
"""

import numpy as np
from art.attacks.inference.membership_inference import MembershipInferenceBlackBox
from art.estimators.classification import SklearnClassifier
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

x, y = make_classification(n_samples=4000, n_features=20, n_informative=6, flip_y=0.1, random_state=0)
x = x.astype(np.float32)
x_members, y_members = x[:2000], y[:2000]  # the target model trains on these
x_outside, y_outside = x[2000:], y[2000:]  # ...and never sees these

targets = {
    "random forest (overfits)": RandomForestClassifier(n_estimators=50, random_state=0),
    "logistic regression": LogisticRegression(max_iter=500),
}
for name, model in targets.items():
    model.fit(x_members, y_members)
    classifier = SklearnClassifier(model=model)

    # The auditor knows half of the members and half of the outsiders, trains the
    # attack on them, then guesses membership for the other halves.
    attack = MembershipInferenceBlackBox(classifier, attack_model_type="rf")
    attack.fit(x_members[:1000], y_members[:1000], x_outside[:1000], y_outside[:1000])
    guessed_members = attack.infer(x_members[1000:], y_members[1000:])
    guessed_outside = attack.infer(x_outside[1000:], y_outside[1000:])

    true_positive_rate = guessed_members.mean()
    false_positive_rate = guessed_outside.mean()
    accuracy = (true_positive_rate + (1 - false_positive_rate)) / 2
    train_accuracy, test_accuracy = model.score(x_members, y_members), model.score(x_outside, y_outside)
    print(
        f"{name:<25} train acc {train_accuracy:.2f}, test acc {test_accuracy:.2f}"
        f" | attack accuracy {accuracy:.2f}, advantage {true_positive_rate - false_positive_rate:.2f}"
    )
print("attack accuracy 0.50 and advantage 0 mean the model's outputs reveal nothing about membership")
