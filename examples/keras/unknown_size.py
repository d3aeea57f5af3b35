# A model whose width comes from a file: cnncalc reads code, it does not run it.
import json

import keras
from keras import layers

with open("config.json") as handle:
    num_classes = json.load(handle)["classes"]
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(num_classes, activation="softmax"),
])
